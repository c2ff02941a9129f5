// `imgbuild images`: the images of the store, as a table or JSON.
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/commands.h"
#include "builder/store_options.h"
#include "layers/image_info.h"
#include "layers/store.h"
#include "util/human_size.h"

namespace imgbuild::cli {
namespace {

struct ImagesOptions {
  StoreOptions store;
  std::string format = "table";
};

// Docker's short image ID length.
constexpr size_t kShortDigest = 12;

void PrintTable(const std::vector<layers::ImageSummary>& images) {
  std::vector<std::array<std::string, 4>> rows = {{"NAME", "DIGEST", "CREATED", "SIZE"}};
  for (const layers::ImageSummary& image : images) {
    rows.push_back({image.name.empty() ? "<none>" : image.name,
                    image.descriptor.digest.hex().substr(0, kShortDigest),
                    image.created.empty() ? "-" : image.created, HumanSize(image.size)});
  }
  std::array<size_t, 3> widths{};
  for (const auto& row : rows) {
    for (size_t i = 0; i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    fmt::print("{:<{}}  {:<{}}  {:<{}}  {}\n", row[0], widths[0], row[1], widths[1], row[2],
               widths[2], row[3]);
  }
}

void PrintJson(const std::vector<layers::ImageSummary>& images) {
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  for (const layers::ImageSummary& image : images) {
    json.push_back({{"name", image.name},
                    {"digest", image.descriptor.digest.ToString()},
                    {"mediaType", image.descriptor.media_type},
                    {"created", image.created},
                    {"size", image.size}});
  }
  fmt::print("{}\n", json.dump(2));
}

int RunImages(const ImagesOptions& options) {
  layers::Store store = options.store.Open();
  std::vector<layers::ImageSummary> images = layers::SummarizeImages(store);
  if (options.format == "json") {
    PrintJson(images);
  } else {
    PrintTable(images);
  }
  return 0;
}

}  // namespace

CommandSpec ImagesCommand() {
  return {"images", "List the images in the store", [](CLI::App& app) -> Action {
            auto options = std::make_shared<ImagesOptions>();
            options->store.AddTo(app);
            app.add_option("--format", options->format, "Output format: table or json")
                ->check(CLI::IsMember({"table", "json"}));
            app.footer(
                "One row per name in the store's index.json (untagged entries show <none>).\n"
                "DIGEST is the first 12 hex digits of the manifest or index digest; CREATED is\n"
                "the config's \"created\" time as written, or - when the image has none; SIZE\n"
                "counts every blob the image references as stored (compressed layers).\n"
                "--format json prints an array of {name, digest, mediaType, created, size}.");
            return [options] { return RunImages(*options); };
          }};
}

}  // namespace imgbuild::cli
