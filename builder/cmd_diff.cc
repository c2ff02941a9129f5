// `imgbuild diff IMAGE_A IMAGE_B`: why two images differ, from the
// manifest down to single files.
#include <memory>

#include <fmt/format.h>

#include "builder/commands.h"
#include "builder/image_source.h"
#include "layers/image_diff.h"
#include "layers/image_diff_report.h"
#include "util/error.h"

namespace imgbuild::cli {
namespace {

// Exit statuses, as diff(1) and cmp(1) use them.
constexpr int kIdentical = 0;
constexpr int kDifferent = 1;
constexpr int kTrouble = 2;

struct DiffOptions {
  StoreOptions store;
  std::string format = "text";
  size_t max_items = 50;
  std::string a;
  std::string b;
};

int RunDiff(const DiffOptions& options) {
  try {
    ImageSource a = ImageSource::Open(options.a, options.store);
    ImageSource b = ImageSource::Open(options.b, options.store);
    layers::ImageDiff diff =
        layers::CompareImages(a.handle(), b.handle(), {.max_items = options.max_items});
    layers::DiffLabels labels{a.label(), b.label()};
    if (options.format == "json") {
      fmt::print("{}", layers::RenderImageDiffJson(diff, labels));
    } else {
      fmt::print("{}", layers::RenderImageDiff(diff, labels));
    }
    return diff.identical() ? kIdentical : kDifferent;
  } catch (const Error& e) {
    fmt::print(stderr, "imgbuild: error: {}\n", e.what());
    return kTrouble;
  }
}

}  // namespace

CommandSpec DiffCommand() {
  return {"diff", "Show why two images differ: config, manifest, layers and files",
          [](CLI::App& app) -> Action {
            auto options = std::make_shared<DiffOptions>();
            options->store.AddTo(app);
            app.add_option("--format", options->format, "Output format: text or json")
                ->check(CLI::IsMember({"text", "json"}));
            app.add_option("--max-items", options->max_items,
                           "Longest list shown per section (the rest are counted)")
                ->check(CLI::PositiveNumber);
            app.add_option("image_a", options->a, "The first image (A)")->required();
            app.add_option("image_b", options->b, "The second image (B)")->required();
            app.footer(fmt::format(
                "Images can be named as:\n{}\n\n"
                "Images with the same manifest (or index) digest are identical. Otherwise the\n"
                "report lists, most useful first: config fields (created, Env, history[i]...),\n"
                "paths whose final state differs (with the layer each version comes from),\n"
                "the entries of each pair of layers whose diff IDs differ (added, removed,\n"
                "type, size, content digest, link target, device, mode, uid, gid, xattrs,\n"
                "mtime, whiteouts), then manifest fields. Layers with the same diff ID at the\n"
                "same position are not compared. --format json prints the same as one object\n"
                "(see docs/reproducible-builds.md).\n\n"
                "Exit status: 0 identical (prints \"identical: DIGEST\"), 1 different, 2 when an\n"
                "image cannot be opened or read. Usage errors exit with 100 or more, as for\n"
                "every command.",
                kImageSourceForms));
            return [options] { return RunDiff(*options); };
          }};
}

}  // namespace imgbuild::cli
