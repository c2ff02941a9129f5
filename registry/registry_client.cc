#include "registry/registry_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "registry/docker_config.h"
#include "registry/reference.h"

namespace imgbuild::registry {
namespace {

constexpr size_t kMaxErrorDetail = 300;

// "CODE: message; CODE: message" from a distribution error body, else an
// excerpt of the body.
std::string RegistryErrors(std::string_view body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  std::string text;
  if (parsed.is_object() && parsed.contains("errors") && parsed["errors"].is_array()) {
    for (const nlohmann::json& error : parsed["errors"]) {
      if (!error.is_object()) continue;
      std::string code = error.value("code", "");
      std::string message = error.value("message", "");
      text += (text.empty() ? "" : "; ") + code + (message.empty() ? "" : ": " + message);
    }
  }
  if (text.empty()) text = std::string(body.substr(0, kMaxErrorDetail));
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

std::string JoinScopes(const Scopes& scopes) {
  std::string text;
  for (const std::string& scope : scopes) text += (text.empty() ? "" : ", ") + scope;
  return text;
}

}  // namespace

RegistryClient::RegistryClient(std::string registry, const RegistryOptions& options,
                               std::optional<Credentials> credentials)
    : registry_(std::move(registry)),
      options_(options),
      retry_{options.max_attempts, options.retry_initial_delay, options.retry_max_delay,
             options.log},
      insecure_(std::find(options.insecure_registries.begin(), options.insecure_registries.end(),
                          registry_) != options.insecure_registries.end()),
      allow_http_(insecure_ || IsLoopbackHost(RegistryEndpoint(registry_))),
      http_(std::make_unique<HttpClient>(
          HttpClientOptions{.tls_ca_file = options.tls_ca_file,
                            .connect_timeout_seconds = options.connect_timeout_seconds,
                            .stall_timeout_seconds = options.stall_timeout_seconds})) {
  std::function<std::optional<Credentials>()> lookup;
  if (credentials) {
    lookup = [credentials] { return credentials; };
  } else {
    lookup = [this] {
      return DockerConfig(ResolveDockerConfigDir(options_.docker_config_dir)).Lookup(registry_);
    };
  }
  auth_ = std::make_unique<Authenticator>(registry_, *http_, std::move(lookup), retry_,
                                          !insecure_);
}

HttpResponse RegistryClient::SendUnauthenticated(const HttpRequest& request) {
  HttpResponse response;
  RunWithRetries(retry_, "connecting to registry " + registry_, [&](unsigned) {
    response = http_->Perform(request);
    ThrowIfTransientStatus(response, request.method + " " + UrlForMessages(request.url));
  });
  return response;
}

HttpResponse RegistryClient::Ping(const std::string& base) {
  return SendUnauthenticated({.url = base + "/v2/", .verify_tls = !insecure_});
}

void RegistryClient::ChooseBase(const std::function<HttpResponse(const std::string&)>& probe) {
  std::string host = RegistryEndpoint(registry_);
  // Registries on this machine usually speak plain HTTP: asking that way
  // first saves a TLS handshake (the probe carries no credentials). Remote
  // insecure registries are tried with HTTPS first, as Docker does.
  std::vector<std::string> schemes = {"https"};
  if (insecure_) schemes = {"https", "http"};
  else if (allow_http_) schemes = {"http", "https"};
  for (size_t i = 0; i < schemes.size(); ++i) {
    std::string base = schemes[i] + "://" + host;
    bool last = i + 1 == schemes.size();
    HttpResponse response;
    try {
      response = probe(base);
    } catch (const TransportError& failure) {
      if (failure.curl_code() == CURLE_PEER_FAILED_VERIFICATION) {
        Fail("{}; to trust this registry's certificate give its CA with --tls-ca FILE, or "
             "skip verification with --insecure-registry {}",
             failure.what(), registry_);
      }
      if (last) throw;
      Log(fmt::format("registry {}: {}; trying {}", registry_, failure.what(), schemes[i + 1]));
      continue;
    }
    // Go's HTTPS servers answer a plain HTTP request with 400.
    if (response.status == 400 && schemes[i] == "http" && !last) continue;
    if (response.status != 200 && response.status != 401) {
      Fail("{} is not a container registry: GET {}/v2/ answered HTTP {}", registry_, base,
           response.status);
    }
    auth_->Learn(response);
    base_url_ = base;
    return;
  }
}

void RegistryClient::Connect() {
  std::call_once(connected_,
                 [&] { ChooseBase([&](const std::string& base) { return Ping(base); }); });
}

HttpResponse RegistryClient::SendFirst(HttpRequest request, const Scopes& scopes,
                                       std::string_view what) {
  std::string path = request.url;
  std::optional<HttpResponse> answer;
  std::call_once(connected_, [&] {
    ChooseBase([&](const std::string& base) {
      HttpRequest probe = request;
      probe.url = base + path;
      probe.verify_tls = !insecure_;
      HttpResponse response = SendUnauthenticated(probe);
      // 200 and a 401 challenge show a registry, as the ping would; any
      // other answer (404: not there) is checked by the ping.
      if (response.status == 200) answer = response;
      if (response.status == 200 || response.status == 401 || response.status == 400) {
        return response;
      }
      return Ping(base);
    });
  });
  if (answer) return *answer;
  request.url = Url(path);
  return Send(request, scopes, what);
}

std::string RegistryClient::Url(std::string_view path) const {
  return base_url_ + std::string(path);
}

HttpResponse RegistryClient::SendOnce(HttpRequest request, const Scopes& scopes) {
  request.verify_tls = !insecure_;
  request.authorization = auth_->Authorization(scopes);
  HttpResponse response = http_->Perform(request);
  if (response.status != 401 || !auth_->Unauthorized(response, scopes, request.authorization)) {
    return response;
  }
  request.authorization = auth_->Authorization(scopes);
  return http_->Perform(request);
}

HttpResponse RegistryClient::Send(const HttpRequest& request, const Scopes& scopes,
                                  std::string_view what) {
  HttpResponse response;
  RunWithRetries(retry_, what, [&](unsigned) {
    response = SendOnce(request, scopes);
    ThrowIfTransientStatus(response, fmt::format("{} {}", request.method,
                                                 UrlForMessages(request.url)));
  });
  return response;
}

void RegistryClient::FailStatus(const HttpResponse& response, std::string_view method,
                                std::string_view what, const Scopes& scopes) {
  std::string detail = fmt::format("{}: {} {} answered HTTP {}: {}", what, method,
                                   UrlForMessages(response.url), response.status,
                                   RegistryErrors(response.body));
  if (response.status == 401 || response.status == 403) {
    std::string user = auth_->Username();
    if (user.empty()) {
      Fail("{}; registry {} refused anonymous access: log in with `imgbuild login {}`", detail,
           registry_, registry_);
    }
    Fail("{}; registry {} refused user \"{}\" access ({}): check the user's permissions or log "
         "in again with `imgbuild login {}`",
         detail, registry_, user, JoinScopes(scopes), registry_);
  }
  Fail("{}", detail);
}

void RegistryClient::Log(std::string_view line) const {
  if (options_.log) options_.log(line);
}

}  // namespace imgbuild::registry
