// Credentials in Docker's config.json ($DOCKER_CONFIG or ~/.docker), read
// and written the way the docker CLI does, so `docker login` and
// `imgbuild login` share them: "auths" entries (base64 "auth",
// "username"/"password", "identitytoken"), and "credsStore" / "credHelpers"
// naming docker-credential-* programs that keep the secrets instead.
#ifndef IMGBUILD_REGISTRY_DOCKER_CONFIG_H_
#define IMGBUILD_REGISTRY_DOCKER_CONFIG_H_

#include <optional>
#include <string>
#include <string_view>

#include "registry/credential_helper.h"

namespace imgbuild::registry {

/// The directory holding config.json: `configured` when non-empty, else
/// $DOCKER_CONFIG, else $HOME/.docker. Throws Error when no home is known.
std::string ResolveDockerConfigDir(std::string_view configured);

/// The key config.json uses for `registry` (a normalised registry name):
/// "https://index.docker.io/v1/" for Docker Hub, else the name itself.
std::string DockerConfigKey(std::string_view registry);

/// config.json in one directory. Every call reads the file afresh; a
/// missing file holds no credentials.
class DockerConfig {
 public:
  explicit DockerConfig(std::string dir) : dir_(std::move(dir)) {}

  /// The credentials for `registry` ("docker.io", "host:5000"; normalised
  /// like NormalizeRegistryName, so "index.docker.io" works too): from its
  /// credential helper when one is configured, else from "auths" (whose keys
  /// may carry a scheme or path, as old docker versions wrote them).
  /// nullopt when there are none. Throws Error naming the file (never a
  /// secret) when it is unreadable or malformed, or when the helper fails.
  std::optional<Credentials> Lookup(std::string_view registry) const;

  /// Stores `credentials` for `registry`: in its credential helper when one
  /// is configured (config.json then gets an empty "auths" entry, as docker
  /// writes it), else base64-encoded in "auths". Other content of the file is
  /// kept; it is replaced atomically with mode 0600. Throws Error naming the file.
  void Save(std::string_view registry, const Credentials& credentials) const;

  /// Removes the credentials for `registry` from the helper and "auths";
  /// returns false when there were none. Throws Error naming the file.
  bool Erase(std::string_view registry) const;

  /// DIR/config.json.
  std::string Path() const { return dir_ + "/config.json"; }

 private:
  std::string dir_;
};

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_DOCKER_CONFIG_H_
