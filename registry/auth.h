// Registry authentication as the distribution spec describes it: the
// registry answers 401 with a WWW-Authenticate challenge, either Basic
// (send the user's credentials) or Bearer (fetch a token for the wanted
// scopes from the realm it names, with the credentials or anonymously).
// Tokens are cached per scope set until they expire or a 401 rejects them.
#ifndef IMGBUILD_REGISTRY_AUTH_H_
#define IMGBUILD_REGISTRY_AUTH_H_

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/credential_helper.h"
#include "registry/http_client.h"
#include "registry/retry.h"

namespace imgbuild::registry {

/// One challenge of a WWW-Authenticate header.
struct Challenge {
  std::string scheme;                         ///< Lower-case: "basic", "bearer".
  std::map<std::string, std::string> params;  ///< Lower-case keys: realm, service, scope, error.

  /// The parameter `name`, "" when absent.
  std::string Param(const std::string& name) const;
};

/// Parses the challenges in one WWW-Authenticate value, e.g.
/// `Bearer realm="https://auth/token",service="reg",scope="repository:a:pull"`.
/// Unparseable trailing text is ignored; returns what could be read.
std::vector<Challenge> ParseChallenges(std::string_view header);

/// "repository:<name>:pull", or ":pull,push" when `push`.
std::string RepositoryScope(std::string_view repository, bool push);

/// Authorization for one registry. Thread-safe; parallel requests that need
/// the same token wait for one fetch.
class Authenticator {
 public:
  /// `registry` names the registry in messages. `credentials` is asked
  /// once, when a challenge first needs them. `verify_tls` applies to the
  /// token realm too.
  Authenticator(std::string registry, const HttpClient& http,
                std::function<std::optional<Credentials>()> credentials, RetryPolicy retry,
                bool verify_tls);

  /// Learns the registry's challenge from an unauthenticated response
  /// (the /v2/ ping); a response without one means no auth is needed.
  void Learn(const HttpResponse& response);

  /// The Authorization header for a request needing `scopes`: "" when the
  /// registry asked for none, "Basic …", or "Bearer <token>" (fetched when
  /// not cached). Throws Error naming the registry and realm (never a
  /// secret) when the token service refuses or fails.
  std::string Authorization(const std::vector<std::string>& scopes);

  /// Handles a 401 to a request sent with Authorization `used`: learns the
  /// challenge and drops a rejected token. Returns whether sending again
  /// with Authorization(scopes) may succeed.
  bool Unauthorized(const HttpResponse& response, const std::vector<std::string>& scopes,
                    const std::string& used);

  /// Checks the credentials against the registry as login does: a Basic
  /// challenge is answered by the caller's retry; a Bearer one by fetching
  /// a token without scopes. Throws Error when they are refused.
  void VerifyBearerCredentials();

  /// Whether the challenge learnt so far is Bearer.
  bool UsesBearer();
  /// The user whose credentials are in use, "" when anonymous.
  std::string Username();

 private:
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  const Credentials& CredentialsLocked();
  Token FetchToken(const std::vector<std::string>& scopes);
  HttpRequest TokenRequest(const std::vector<std::string>& scopes);
  [[noreturn]] void FailTokenResponse(const HttpResponse& response);

  std::string registry_;
  const HttpClient& http_;
  std::function<std::optional<Credentials>()> lookup_;
  RetryPolicy retry_;
  bool verify_tls_;

  std::mutex mutex_;
  std::optional<Challenge> challenge_;
  std::optional<Credentials> credentials_;  // Set once looked up (possibly empty).
  std::map<std::string, Token> tokens_;     // By space-joined sorted scopes.
};

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_AUTH_H_
