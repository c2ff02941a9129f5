#include "builder/build_outputs.h"

#include <fmt/ranges.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "builder/image_output.h"
#include "layers/image_export.h"
#include "layers/image_name.h"
#include "layers/tar_apply.h"
#include "util/atomic_file.h"
#include "util/csv.h"
#include "util/error.h"
#include "util/split.h"

namespace imgbuild::builder {
namespace {

OutputSpec::Type ParseType(std::string_view type, bool tar) {
  if (type == "oci") return tar ? OutputSpec::Type::kOciArchive : OutputSpec::Type::kOciLayout;
  if (type == "docker") return OutputSpec::Type::kDockerArchive;
  if (type == "local") return OutputSpec::Type::kLocal;
  if (type == "image" || type == "registry") return OutputSpec::Type::kImage;
  Fail("unsupported output type \"{}\": use oci, docker, local, image or registry", type);
}

bool ParseBool(std::string_view key, std::string_view text, std::string_view spec) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  Fail("invalid output \"{}\": {}= takes true or false, not \"{}\"", spec, key, text);
}

// The KEY=VALUE fields of `text`, a CSV record as buildx reads it: a
// quoted field may hold commas ("name=a,b").
std::vector<std::string> CsvFields(std::string_view text) {
  try {
    return SplitCsvRecord(text);
  } catch (const Error& error) {
    Fail("invalid output \"{}\": {}; quote a whole field, e.g. 'type=image,\"name=a,b\"'",
         text, error.what());
  }
}

// Checks that the keys given fit the type.
void CheckKeys(const OutputSpec& spec, std::string_view type, bool tar, std::string_view text) {
  bool image = spec.type == OutputSpec::Type::kImage;
  if (image && !spec.dest.empty()) {
    Fail("invalid output \"{}\": type={} takes no dest= (it names the image with name=)", text,
         type);
  }
  if (!image && spec.dest.empty()) Fail("invalid output \"{}\": dest= is missing", text);
  if (!tar && type != "oci") Fail("invalid output \"{}\": tar=false is only for type=oci", text);
  if (spec.push && !image) {
    Fail("invalid output \"{}\": push= is only for type=image (or type=registry)", text);
  }
  if (!spec.names.empty() && spec.type == OutputSpec::Type::kLocal) {
    Fail("invalid output \"{}\": type=local takes no name=", text);
  }
}

void ApplyLayers(const layers::Store& store, const layers::Manifest& manifest,
                 const std::string& dest) {
  if (::mkdir(dest.c_str(), 0755) != 0 && errno != EEXIST) FailErrno("create " + dest);
  layers::ApplyOptions options{.whiteouts = layers::WhiteoutMode::kDelete};
  for (const layers::Descriptor& layer : manifest.layers) {
    layers::ApplyLayerFile(store.BlobPath(layer.digest), dest, options);
  }
}

}  // namespace

OutputSpec ParseOutputSpec(std::string_view text) {
  if (text.find('=') == std::string_view::npos) {
    if (text.empty()) Fail("empty output: use type=TYPE,dest=PATH");
    return OutputSpec{OutputSpec::Type::kLocal, std::string(text)};
  }
  std::string type, dest;
  std::vector<std::string> names;
  bool tar = true;
  std::optional<bool> push;
  for (const std::string& field : CsvFields(text)) {
    size_t equals = field.find('=');
    std::string key = field.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : field.substr(equals + 1);
    if (key == "type") {
      type = value;
    } else if (key == "dest") {
      dest = value;
    } else if (key == "tar") {
      tar = ParseBool(key, value, text);
    } else if (key == "push") {
      push = ParseBool(key, value, text);
    } else if (key == "name") {
      for (const std::string& name : Split(value, ',')) {
        if (!name.empty()) names.push_back(name);
      }
    } else {
      Fail("invalid output \"{}\": unknown key \"{}\" (known: type, dest, tar, name, push)",
           text, key);
    }
  }
  if (type.empty()) Fail("invalid output \"{}\": type= is missing", text);
  OutputSpec spec{ParseType(type, tar), dest, names, push.value_or(type == "registry")};
  CheckKeys(spec, type, tar, text);
  return spec;
}

std::string OutputTitle(const OutputSpec& output) {
  switch (output.type) {
    case OutputSpec::Type::kOciLayout:
      return "exporting to oci image layout " + output.dest;
    case OutputSpec::Type::kOciArchive:
      return "exporting to oci image format " + output.dest;
    case OutputSpec::Type::kDockerArchive:
      return "exporting to docker image format " + output.dest;
    case OutputSpec::Type::kLocal:
      return "copying files to " + output.dest;
    case OutputSpec::Type::kImage:
      return "exporting to image";
  }
  return "exporting";
}

void WriteOutput(const layers::Store& store, const BuildResult& result,
                 const std::vector<std::string>& tags, const OutputSpec& output,
                 const registry::RegistryOptions& registry) {
  if (output.type == OutputSpec::Type::kImage) {
    WriteImageOutput(store, result.manifest, output, tags, registry);
    return;
  }
  std::vector<layers::ExportImage> images;
  for (const std::string& name : OutputNames(output, tags)) {
    images.push_back({name, result.manifest});
  }
  if (images.empty()) images.push_back({"", result.manifest});
  try {
    // Like buildx, the destination's missing parents are created.
    std::filesystem::path parent = std::filesystem::path(output.dest).parent_path();
    std::error_code failed;
    if (!parent.empty()) std::filesystem::create_directories(parent, failed);
    if (failed) Fail("create {}: {}", parent.string(), failed.message());
    switch (output.type) {
      case OutputSpec::Type::kOciLayout:
        layers::ExportLayoutDirectory(store, images, output.dest);
        break;
      case OutputSpec::Type::kOciArchive:
        layers::ExportImageArchive(store, images, layers::ExportFormat::kOciArchive, output.dest);
        break;
      case OutputSpec::Type::kDockerArchive:
        layers::ExportImageArchive(store, images, layers::ExportFormat::kDockerArchive,
                                   output.dest);
        break;
      case OutputSpec::Type::kLocal:
        ApplyLayers(store, store.ReadManifest(result.manifest), output.dest);
        break;
      case OutputSpec::Type::kImage:
        break;  // handled above: it has no destination
    }
  } catch (const Error& error) {
    Fail("output {}: {}", output.dest, error.what());
  }
}

std::string BuildMetadataJson(const BuildResult& result, const std::vector<std::string>& names) {
  nlohmann::json metadata;  // keys sorted, as Go's json.Marshal of a map
  metadata["containerimage.config.digest"] = result.config.digest.ToString();
  metadata["containerimage.descriptor"] = {{"mediaType", result.manifest.media_type},
                                           {"digest", result.manifest.digest.ToString()},
                                           {"size", result.manifest.size}};
  metadata["containerimage.digest"] = result.manifest.digest.ToString();
  if (!names.empty()) {
    std::vector<std::string> qualified;
    for (const std::string& name : names) {
      qualified.push_back(layers::ImageName::Parse(name).FullyQualified());
    }
    metadata["image.name"] = fmt::format("{}", fmt::join(qualified, ","));
  }
  // Ours, not BuildKit's (it names bases only in provenance attestations):
  // the exact bases, so a later build can pin them.
  nlohmann::json bases = nlohmann::json::array();
  for (const UsedBase& base : result.bases) {
    bases.push_back({{"reference", base.reference},
                     {"platform", base.platform},
                     {"digest", base.resolved.ToString()},
                     {"manifest", base.manifest.ToString()}});
  }
  if (!bases.empty()) metadata["imgbuild.bases"] = std::move(bases);
  return metadata.dump(2) + "\n";
}

void WriteResultFiles(const BuildRequest& request, const BuildResult& result) {
  if (!request.iidfile.empty()) {
    WriteFileAtomically(request.iidfile, result.manifest.digest.ToString());
  }
  if (!request.metadata_file.empty()) {
    WriteFileAtomically(request.metadata_file, BuildMetadataJson(result, ImageNames(request)));
  }
}

}  // namespace imgbuild::builder
