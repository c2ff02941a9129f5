// Docker credential helpers: `docker-credential-<name> get|store|erase`,
// speaking JSON over stdin/stdout (docker/docker-credential-helpers).
#ifndef IMGBUILD_REGISTRY_CREDENTIAL_HELPER_H_
#define IMGBUILD_REGISTRY_CREDENTIAL_HELPER_H_

#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::registry {

/// A user's credentials for one registry.
struct Credentials {
  std::string username{};
  std::string password{};
  /// An OAuth2 refresh token (config.json "identitytoken"); used instead of
  /// the password when set.
  std::string identity_token{};

  bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
};

/// One helper program, found on PATH as docker-credential-<name>.
class CredentialHelper {
 public:
  explicit CredentialHelper(std::string name) : name_(std::move(name)) {}

  /// The credentials stored for `server_url`; nullopt when the helper has
  /// none. Throws Error naming the helper (never the secret) when it cannot
  /// be run or answers nonsense.
  std::optional<Credentials> Get(std::string_view server_url) const;
  /// Stores `credentials` for `server_url`. Throws Error on failure.
  void Store(std::string_view server_url, const Credentials& credentials) const;
  /// Erases the credentials of `server_url`; returns false when there were none.
  bool Erase(std::string_view server_url) const;

  /// "docker-credential-<name>".
  std::string Program() const { return "docker-credential-" + name_; }

 private:
  struct Outcome {
    int exit_code;
    std::string output;
  };
  Outcome Run(std::string_view action, std::string_view input) const;

  std::string name_;
};

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_CREDENTIAL_HELPER_H_
