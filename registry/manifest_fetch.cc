#include "registry/manifest_fetch.h"

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace imgbuild::registry {
namespace {

bool IsKnownDocumentType(std::string_view media_type) {
  return layers::IsManifestMediaType(media_type) || layers::IsIndexMediaType(media_type);
}

layers::Digest DigestWith(layers::DigestAlgorithm algorithm, std::string_view bytes) {
  layers::Hasher hasher(algorithm);
  hasher.Update(bytes);
  return hasher.Finish();
}

}  // namespace

const char* const kManifestAccept =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

std::string ManifestMediaType(std::string_view content_type, std::string_view bytes,
                              std::string_view origin) {
  std::string type(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (IsKnownDocumentType(type)) return type;
  nlohmann::json document = nlohmann::json::parse(bytes, nullptr, false);
  if (!document.is_object()) Fail("{}: the registry sent a manifest that is not JSON", origin);
  if (document.value("schemaVersion", 0) == 1 || type.find("manifest.v1") != std::string::npos) {
    Fail("{}: Docker schema 1 manifests are not supported (re-push the image with a current "
         "tool)",
         origin);
  }
  std::string declared = document.contains("mediaType") && document["mediaType"].is_string()
                             ? document["mediaType"]
                             : "";
  if (IsKnownDocumentType(declared)) return declared;
  if (declared.empty() && document.contains("manifests")) {
    return std::string(layers::media_types::kOciIndex);
  }
  if (declared.empty() && document.contains("config")) {
    return std::string(layers::media_types::kOciManifest);
  }
  Fail("{}: unsupported manifest type \"{}\"", origin, declared.empty() ? type : declared);
}

layers::Descriptor FetchManifest(RegistryClient& client, const layers::Store& store,
                                 const std::string& repository, const std::string& selector,
                                 const std::optional<layers::Digest>& expected) {
  std::string origin = fmt::format("manifest {}/{}{}{}", client.registry(), repository,
                                    expected ? "@" : ":", selector);
  Scopes scopes{RepositoryScope(repository, false)};
  HttpRequest request{.url = "/v2/" + repository + "/manifests/" + selector,
                      .headers = {kManifestAccept},
                      .max_collected_body = layers::Store::kMaxJsonBlobSize};
  // The first manifest of a pull is the first request: no /v2/ ping first.
  HttpResponse response = client.SendFirst(request, scopes, "fetching " + origin);
  if (response.status != 200) client.FailStatus(response, "GET", "cannot fetch " + origin, scopes);

  const std::string& bytes = response.body;
  std::string announced = response.Header("Docker-Content-Digest");
  layers::Digest digest = expected ? *expected
                          : layers::Digest::IsValid(announced) ? layers::Digest::Parse(announced)
                                                               : layers::DigestOf(bytes);
  layers::Digest actual = DigestWith(digest.algorithm(), bytes);
  if (actual != digest) {
    Fail("{}: the registry sent content with digest {}, expected {}; nothing was stored", origin,
         actual.ToString(), digest.ToString());
  }
  std::string media_type = ManifestMediaType(response.Header("Content-Type"), bytes, origin);
  layers::BlobWriter writer = store.NewBlob(digest.algorithm());
  writer.Write(bytes.data(), bytes.size());
  writer.Commit(digest, static_cast<int64_t>(bytes.size()));
  return layers::Descriptor{.media_type = media_type, .digest = digest,
                            .size = static_cast<int64_t>(bytes.size())};
}

}  // namespace imgbuild::registry
