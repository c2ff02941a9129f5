#include "layers/docker_archive.h"

#include <map>

#include <nlohmann/json.hpp>

#include "layers/json_io.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

// "blobs/sha256/<hex>" -> "<hex>".
std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string SerializeDockerManifest(const std::vector<DockerArchiveImage>& images) {
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  for (const DockerArchiveImage& image : images) {
    json.push_back({{"Config", image.config},
                    {"RepoTags", image.repo_tags},
                    {"Layers", image.layers}});
  }
  return DumpCanonicalJson(json) + "\n";
}

std::string SerializeDockerRepositories(const std::vector<DockerArchiveImage>& images) {
  std::map<std::string, std::map<std::string, std::string>> repositories;
  for (const DockerArchiveImage& image : images) {
    if (image.layers.empty()) continue;
    for (const std::string& tag : image.repo_tags) {
      size_t colon = tag.rfind(':');
      if (colon == std::string::npos || tag.find('/', colon) != std::string::npos) continue;
      repositories[tag.substr(0, colon)][tag.substr(colon + 1)] = BaseName(image.layers.back());
    }
  }
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (const auto& [name, tags] : repositories) {
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    for (const auto& [tag, id] : tags) entry[tag] = id;
    json[name] = std::move(entry);
  }
  return DumpCanonicalJson(json) + "\n";
}

std::vector<DockerArchiveImage> ParseDockerManifest(std::string_view json,
                                                    std::string_view origin) {
  nlohmann::json document = ParseJsonDocument(json, origin);
  if (!document.is_array()) Fail("{}: must be a JSON array of images", origin);
  if (document.empty()) Fail("{}: lists no images", origin);
  std::vector<DockerArchiveImage> images;
  for (size_t i = 0; i < document.size(); ++i) {
    JsonObjectReader reader(document[i], std::string(origin), fmt::format("[{}]", i));
    DockerArchiveImage image{.config = reader.String("Config"),
                             .repo_tags = reader.OptionalStringList("RepoTags"),
                             .layers = reader.OptionalStringList("Layers")};
    if (!reader.Has("Layers")) reader.FailAt("Layers", "required field is missing");
    images.push_back(std::move(image));
  }
  return images;
}

}  // namespace imgbuild::layers
