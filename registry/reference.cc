#include "registry/reference.h"

#include <arpa/inet.h>

#include <algorithm>

#include "layers/image_name.h"
#include "util/error.h"

namespace imgbuild::registry {
namespace {

// Docker's name for Docker Hub in older configs and references.
constexpr std::string_view kDockerHubLegacyName = "index.docker.io";
constexpr std::string_view kDockerHubEndpoint = "registry-1.docker.io";

// The host of "host", "host:port", "[v6]" or "[v6]:port".
std::string_view HostPart(std::string_view host_port) {
  if (host_port.starts_with('[')) {
    size_t close = host_port.find(']');
    return close == std::string_view::npos ? host_port : host_port.substr(1, close - 1);
  }
  size_t colon = host_port.find(':');
  return colon == std::string_view::npos ? host_port : host_port.substr(0, colon);
}

// Whether the name part (before any '@') carries ":tag" after its last '/'.
bool HasExplicitTag(std::string_view name) {
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  return colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
}

}  // namespace

Reference Reference::Parse(std::string_view text) {
  size_t at = text.find('@');
  std::string_view name = text.substr(0, at);
  Reference reference;
  if (at != std::string_view::npos) {
    std::string_view digest = text.substr(at + 1);
    if (!layers::Digest::IsValid(digest)) {
      Fail("invalid image reference \"{}\": \"{}\" is not a digest (sha256:<64 hex>)", text,
           digest);
    }
    reference.digest = layers::Digest::Parse(digest);
  }
  layers::ImageName image = layers::ImageName::Parse(name);
  reference.registry = image.domain.empty() ? std::string(kDockerHub)
                                            : NormalizeRegistryName(image.domain);
  reference.repository = image.path;
  if (reference.registry == kDockerHub && image.path.find('/') == std::string::npos) {
    reference.repository = "library/" + image.path;
  }
  if (!reference.digest || HasExplicitTag(name)) reference.tag = image.tag;
  return reference;
}

std::string Reference::Name() const { return registry + "/" + repository; }

std::string Reference::ToString() const {
  std::string text = Name();
  if (!tag.empty()) text += ":" + tag;
  if (digest) text += "@" + digest->ToString();
  return text;
}

std::string Reference::ManifestSelector() const { return digest ? digest->ToString() : tag; }

std::string NormalizeRegistryName(std::string_view text) {
  if (size_t scheme = text.find("://"); scheme != std::string_view::npos) {
    text.remove_prefix(scheme + 3);
  }
  text = text.substr(0, text.find('/'));
  if (text == kDockerHubLegacyName || text == kDockerHubEndpoint) return std::string(kDockerHub);
  return std::string(text);
}

std::string RegistryEndpoint(std::string_view registry) {
  return std::string(registry == kDockerHub ? kDockerHubEndpoint : registry);
}

bool IsLoopbackHost(std::string_view host_port) {
  std::string host(HostPart(host_port));
  if (host == "localhost") return true;
  unsigned char address[16];
  if (inet_pton(AF_INET, host.c_str(), address) == 1) return address[0] == 127;
  if (inet_pton(AF_INET6, host.c_str(), address) == 1) {
    static constexpr unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                    0, 0, 0, 0, 0, 0, 0, 1};
    return std::equal(std::begin(address), std::end(address), std::begin(kLoopback));
  }
  return false;
}

}  // namespace imgbuild::registry
