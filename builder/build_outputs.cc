#include "builder/build_outputs.h"

#include <fmt/ranges.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "layers/image_export.h"
#include "layers/image_name.h"
#include "layers/tar_apply.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/split.h"

namespace imgbuild::builder {
namespace {

OutputSpec::Type ParseType(std::string_view type, bool tar) {
  if (type == "oci") return tar ? OutputSpec::Type::kOciArchive : OutputSpec::Type::kOciLayout;
  if (type == "docker") return OutputSpec::Type::kDockerArchive;
  if (type == "local") return OutputSpec::Type::kLocal;
  Fail("unsupported output type \"{}\": use oci, docker or local", type);
}

bool ParseBool(std::string_view text, std::string_view spec) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  Fail("invalid output \"{}\": tar= takes true or false, not \"{}\"", spec, text);
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
  bool tar = true;
  for (const std::string& field : Split(text, ',')) {
    size_t equals = field.find('=');
    std::string key = field.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : field.substr(equals + 1);
    if (key == "type")
      type = value;
    else if (key == "dest")
      dest = value;
    else if (key == "tar")
      tar = ParseBool(value, text);
    else
      Fail("invalid output \"{}\": unknown key \"{}\" (known: type, dest, tar)", text, key);
  }
  if (type.empty()) Fail("invalid output \"{}\": type= is missing", text);
  OutputSpec spec{ParseType(type, tar), dest};
  if (spec.dest.empty()) Fail("invalid output \"{}\": dest= is missing", text);
  if (!tar && type != "oci") Fail("invalid output \"{}\": tar=false is only for type=oci", text);
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
  }
  return "exporting";
}

void WriteOutput(const layers::Store& store, const BuildResult& result,
                 const std::vector<std::string>& tags, const OutputSpec& output) {
  std::vector<layers::ExportImage> images;
  for (const std::string& tag : tags) images.push_back({tag, result.manifest});
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
    }
  } catch (const Error& error) {
    Fail("output {}: {}", output.dest, error.what());
  }
}

std::string BuildMetadataJson(const BuildResult& result, const std::vector<std::string>& tags) {
  nlohmann::json metadata;  // keys sorted, as Go's json.Marshal of a map
  metadata["containerimage.config.digest"] = result.config.digest.ToString();
  metadata["containerimage.descriptor"] = {{"mediaType", result.manifest.media_type},
                                           {"digest", result.manifest.digest.ToString()},
                                           {"size", result.manifest.size}};
  metadata["containerimage.digest"] = result.manifest.digest.ToString();
  if (!tags.empty()) {
    std::vector<std::string> names;
    for (const std::string& tag : tags)
      names.push_back(layers::ImageName::Parse(tag).FullyQualified());
    metadata["image.name"] = fmt::format("{}", fmt::join(names, ","));
  }
  return metadata.dump(2) + "\n";
}

void WriteResultFiles(const BuildRequest& request, const BuildResult& result) {
  if (!request.iidfile.empty()) {
    WriteFileAtomically(request.iidfile, result.manifest.digest.ToString());
  }
  if (!request.metadata_file.empty()) {
    WriteFileAtomically(request.metadata_file, BuildMetadataJson(result, request.tags));
  }
}

}  // namespace imgbuild::builder
