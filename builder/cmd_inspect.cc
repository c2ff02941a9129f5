// `imgbuild inspect REF`: the manifest, config and layers of a stored image.
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "builder/commands.h"
#include "builder/store_options.h"
#include "layers/image_info.h"
#include "util/human_size.h"

namespace imgbuild::cli {
namespace {

using Json = nlohmann::ordered_json;

struct InspectOptions {
  StoreOptions store;
  std::string format = "text";
  std::string ref;
};

std::string Text(const Json& json, const char* key) {
  auto it = json.find(key);
  return it != json.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Platform(const Json& config) {
  std::string text = Text(config, "os") + "/" + Text(config, "architecture");
  std::string variant = Text(config, "variant");
  return variant.empty() ? text : text + "/" + variant;
}

// "Cmd: ["sh","-c"]" lines for the run settings an image has.
void PrintRunConfig(const Json& config, const std::string& indent) {
  auto run = config.find("config");
  if (run == config.end() || !run->is_object()) return;
  for (const char* key : {"User", "Env", "Entrypoint", "Cmd", "WorkingDir"}) {
    auto value = run->find(key);
    if (value == run->end() || value->is_null()) continue;
    std::string text = value->is_string() ? value->get<std::string>() : value->dump();
    fmt::print("{}{}: {}\n", indent, key, text);
  }
}

void PrintManifest(const Json& json, const std::string& indent) {
  const Json& config = json.contains("config") ? json["config"] : Json::object();
  const Json& manifest = json["manifest"];
  fmt::print("{}Platform: {}\n", indent, Platform(config));
  std::string created = Text(config, "created");
  fmt::print("{}Created: {}\n", indent, created.empty() ? "-" : created);
  fmt::print("{}Config: {} ({})\n", indent, Text(manifest["config"], "digest"),
             HumanSize(manifest["config"]["size"].get<int64_t>()));
  PrintRunConfig(config, indent + "  ");
  fmt::print("{}Layers:\n", indent);
  for (const Json& layer : json["layers"]) {
    fmt::print("{}  {}  {}  {}\n{}    diff ID {}\n", indent, Text(layer, "digest"),
               HumanSize(layer["size"].get<int64_t>()), Text(layer, "mediaType"), indent,
               Text(layer, "diffID"));
  }
}

void PrintText(const Json& json, const std::string& indent) {
  if (json.contains("name")) {
    std::string name = Text(json, "name");
    fmt::print("{}Name: {}\n", indent, name.empty() ? "<none>" : name);
  }
  fmt::print("{}Digest: {}\n{}Media type: {}\n{}Size: {}\n", indent, Text(json, "digest"), indent,
             Text(json, "mediaType"), indent, HumanSize(json["size"].get<int64_t>()));
  if (json.contains("manifest")) return PrintManifest(json, indent);
  if (!json.contains("manifests")) return;
  fmt::print("{}Manifests:\n", indent);
  for (const Json& child : json["manifests"]) {
    fmt::print("{}-\n", indent);
    PrintText(child, indent + "  ");
  }
}

int RunInspect(const InspectOptions& options) {
  layers::Store store = options.store.Open();
  ResolvedImage image = ResolveImage(store, options.ref);
  Json json = layers::InspectImage(store, image.descriptor, image.name);
  if (options.format == "json") {
    fmt::print("{}\n", json.dump(2));
  } else {
    PrintText(json, "");
  }
  return 0;
}

}  // namespace

CommandSpec InspectCommand() {
  return {"inspect", "Show an image's manifest, config and layers",
          [](CLI::App& app) -> Action {
            auto options = std::make_shared<InspectOptions>();
            options->store.AddTo(app);
            app.add_option("--format", options->format, "Output format: text or json")
                ->check(CLI::IsMember({"text", "json"}));
            app.add_option("ref", options->ref, "Image name or digest (prefix)")->required();
            app.footer(
                "--format json prints one object with keys in a fixed order: name, digest,\n"
                "mediaType, size, then manifest, config and layers [{digest, mediaType, size,\n"
                "diffID}] for an image, or index and manifests (each described the same way)\n"
                "for a multi-platform image. Documents appear as stored.");
            return [options] { return RunInspect(*options); };
          }};
}

}  // namespace imgbuild::cli
