// The connection to one registry that pulls and pushes share: where it is
// (https, or plain http for loopback and --insecure-registry hosts, found
// by a /v2/ ping or by the first request itself, such as the manifest HEAD
// of a push or GET of a pull), its authentication, and sending requests with
// authorization, one re-send after a 401, and retries of transient failures.
#ifndef IMGBUILD_REGISTRY_REGISTRY_CLIENT_H_
#define IMGBUILD_REGISTRY_REGISTRY_CLIENT_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/auth.h"
#include "registry/http_client.h"
#include "registry/registry.h"
#include "registry/retry.h"

namespace imgbuild::registry {

/// Scopes a request needs, e.g. {RepositoryScope("ns/app", true)}.
using Scopes = std::vector<std::string>;

class RegistryClient {
 public:
  /// `registry` is a normalised registry name ("docker.io", "host:5000").
  /// Credentials come from the Docker config of `options` when a challenge
  /// asks for them, unless `credentials` is given. Throws Error for an
  /// unreadable --tls-ca file.
  RegistryClient(std::string registry, const RegistryOptions& options,
                 std::optional<Credentials> credentials = std::nullopt);

  const std::string& registry() const { return registry_; }
  const RegistryOptions& options() const { return options_; }
  const RetryPolicy& retry_policy() const { return retry_; }
  Authenticator& auth() { return *auth_; }

  /// Pings GET /v2/ once (later calls return at once) to choose http or
  /// https and learn the auth challenge. Throws Error when the registry
  /// cannot be reached or is not a registry.
  void Connect();

  /// Sends `request`, whose url is a path ("/v2/…"), as the first request to
  /// the registry: it replaces the /v2/ ping of Connect when it answers 200
  /// or with a 401 challenge (learnt, then the request is sent again with
  /// authorization), which saves a round trip; on another answer the ping
  /// runs and the request is sent again. After the first call it is Send.
  /// Returns the final response whatever its status; throws like Connect
  /// and Send.
  HttpResponse SendFirst(HttpRequest request, const Scopes& scopes, std::string_view what);

  /// The absolute URL of `path` ("/v2/…"); Connect must have run.
  std::string Url(std::string_view path) const;

  /// Sends `request` once with the Authorization `scopes` need; after a 401
  /// refreshes the authorization and sends once more. Returns the response
  /// whatever its status. Throws like HttpClient::Perform and Authenticator.
  HttpResponse SendOnce(HttpRequest request, const Scopes& scopes);

  /// SendOnce, retrying transient failures (the request must be
  /// replayable: no on_body that cannot start over). `what` names the
  /// operation in retry logs and errors.
  HttpResponse Send(const HttpRequest& request, const Scopes& scopes, std::string_view what);

  /// Throws Error for an unexpected answer: "<what>: <METHOD> <url> answered
  /// HTTP <status>: <registry error codes and messages>", with advice for
  /// 401/403 (log in, or the scope the user lacks) and 404.
  [[noreturn]] void FailStatus(const HttpResponse& response, std::string_view method,
                               std::string_view what, const Scopes& scopes);

  /// Passes `line` to options().log when set.
  void Log(std::string_view line) const;

 private:
  // Sends `request` without authorization, retrying transient failures.
  HttpResponse SendUnauthenticated(const HttpRequest& request);
  HttpResponse Ping(const std::string& base);
  // Tries the schemes the registry may speak, in order, with `probe`
  // (given "scheme://host"), and keeps the first that answers as a
  // registry; learns its auth challenge. Throws Error when none does.
  void ChooseBase(const std::function<HttpResponse(const std::string&)>& probe);

  std::string registry_;
  const RegistryOptions& options_;
  RetryPolicy retry_;
  bool insecure_;  // TLS unverified and plain HTTP allowed.
  bool allow_http_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Authenticator> auth_;
  std::once_flag connected_;
  std::string base_url_;
};

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_REGISTRY_CLIENT_H_
