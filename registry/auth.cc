#include "registry/auth.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "registry/base64.h"
#include "util/ascii.h"
#include "util/error.h"

namespace imgbuild::registry {
namespace {

// Tokens without expires_in last 60 s (distribution's token spec).
constexpr int64_t kDefaultTokenSeconds = 60;
constexpr size_t kMaxErrorDetail = 300;

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Reads a token or quoted string at `pos` of `text`.
std::string ReadValue(std::string_view text, size_t& pos) {
  std::string value;
  if (pos < text.size() && text[pos] == '"') {
    for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
      if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
      value += text[pos];
    }
    if (pos < text.size()) ++pos;  // Closing quote.
    return value;
  }
  while (pos < text.size() && text[pos] != ',' && !IsSpace(text[pos])) value += text[pos++];
  return value;
}

std::string JoinScopes(std::vector<std::string> scopes) {
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  std::string key;
  for (const std::string& scope : scopes) key += (key.empty() ? "" : " ") + scope;
  return key;
}

// A short, single-line excerpt of an error body for messages.
std::string Excerpt(std::string_view body) {
  std::string text(body.substr(0, kMaxErrorDetail));
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

}  // namespace

std::string Challenge::Param(const std::string& name) const {
  auto found = params.find(name);
  return found == params.end() ? "" : found->second;
}

std::vector<Challenge> ParseChallenges(std::string_view header) {
  std::vector<Challenge> challenges;
  size_t pos = 0;
  while (pos < header.size()) {
    while (pos < header.size() && (IsSpace(header[pos]) || header[pos] == ',')) ++pos;
    size_t start = pos;
    while (pos < header.size() && !IsSpace(header[pos]) && header[pos] != ',' &&
           header[pos] != '=') {
      ++pos;
    }
    std::string word(header.substr(start, pos - start));
    if (word.empty()) break;
    while (pos < header.size() && IsSpace(header[pos])) ++pos;
    if (pos < header.size() && header[pos] == '=' && !challenges.empty()) {
      ++pos;
      while (pos < header.size() && IsSpace(header[pos])) ++pos;
      challenges.back().params[AsciiLower(word)] = ReadValue(header, pos);
    } else if (pos < header.size() && header[pos] == '=') {
      break;  // A parameter before any scheme: not a challenge.
    } else {
      challenges.push_back({AsciiLower(word), {}});
    }
  }
  return challenges;
}

std::string RepositoryScope(std::string_view repository, bool push) {
  return fmt::format("repository:{}:{}", repository, push ? "pull,push" : "pull");
}

Authenticator::Authenticator(std::string registry, const HttpClient& http,
                             std::function<std::optional<Credentials>()> credentials,
                             RetryPolicy retry, bool verify_tls)
    : registry_(std::move(registry)),
      http_(http),
      lookup_(std::move(credentials)),
      retry_(std::move(retry)),
      verify_tls_(verify_tls) {}

void Authenticator::Learn(const HttpResponse& response) {
  std::lock_guard lock(mutex_);
  for (const std::string& header : response.Headers("WWW-Authenticate")) {
    for (Challenge& challenge : ParseChallenges(header)) {
      // Bearer is preferred: it never sends the password to the registry.
      if (challenge.scheme == "bearer" && !challenge.Param("realm").empty()) {
        challenge_ = std::move(challenge);
        return;
      }
      if (challenge.scheme == "basic" && !challenge_) challenge_ = std::move(challenge);
    }
  }
}

const Credentials& Authenticator::CredentialsLocked() {
  if (!credentials_) credentials_ = lookup_ ? lookup_().value_or(Credentials{}) : Credentials{};
  return *credentials_;
}

std::string Authenticator::Username() {
  std::lock_guard lock(mutex_);
  return CredentialsLocked().username;
}

bool Authenticator::UsesBearer() {
  std::lock_guard lock(mutex_);
  return challenge_ && challenge_->scheme == "bearer";
}

std::string Authenticator::Authorization(const std::vector<std::string>& scopes) {
  std::lock_guard lock(mutex_);
  if (!challenge_) return "";
  const Credentials& credentials = CredentialsLocked();
  if (challenge_->scheme == "basic") {
    if (credentials.username.empty() && credentials.password.empty()) return "";
    return "Basic " + Base64Encode(credentials.username + ":" + credentials.password);
  }
  std::string key = JoinScopes(scopes);
  auto cached = tokens_.find(key);
  if (cached == tokens_.end() || cached->second.expires <= std::chrono::steady_clock::now()) {
    cached = tokens_.insert_or_assign(key, FetchToken(scopes)).first;
  }
  return "Bearer " + cached->second.value;
}

bool Authenticator::Unauthorized(const HttpResponse& response,
                                 const std::vector<std::string>& scopes, const std::string& used) {
  bool had_challenge = false;
  {
    std::lock_guard lock(mutex_);
    had_challenge = challenge_.has_value();
    auto cached = tokens_.find(JoinScopes(scopes));
    if (cached != tokens_.end() && "Bearer " + cached->second.value == used) tokens_.erase(cached);
  }
  Learn(response);
  std::lock_guard lock(mutex_);
  if (!challenge_) return false;
  if (challenge_->scheme == "bearer") return true;
  // Basic: only a first attempt without credentials can improve.
  const Credentials& credentials = CredentialsLocked();
  return (used.empty() || !had_challenge) && !credentials.empty();
}

void Authenticator::VerifyBearerCredentials() {
  std::lock_guard lock(mutex_);
  if (!challenge_ || challenge_->scheme != "bearer") return;
  FetchToken({});
}

HttpRequest Authenticator::TokenRequest(const std::vector<std::string>& scopes) {
  const Credentials& credentials = CredentialsLocked();
  std::string realm = challenge_->Param("realm");
  std::string service = challenge_->Param("service");
  HttpRequest request{.url = realm, .verify_tls = verify_tls_};
  if (!credentials.identity_token.empty()) {
    // An identity token is an OAuth2 refresh token: POST it (distribution's
    // token spec, "OAuth2 Token Authentication").
    request.method = "POST";
    request.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    std::string scope_list;
    for (const std::string& scope : scopes) scope_list += (scope_list.empty() ? "" : " ") + scope;
    request.body = "grant_type=refresh_token&client_id=imgbuild&service=" + UrlEscape(service) +
                   "&refresh_token=" + UrlEscape(credentials.identity_token);
    if (!scope_list.empty()) request.body += "&scope=" + UrlEscape(scope_list);
    return request;
  }
  std::string query;
  auto add = [&](std::string_view name, std::string_view value) {
    query += (query.empty() ? "" : "&") + std::string(name) + "=" + UrlEscape(value);
  };
  if (!service.empty()) add("service", service);
  for (const std::string& scope : scopes) add("scope", scope);
  if (!credentials.username.empty()) {
    add("account", credentials.username);
    request.authorization =
        "Basic " + Base64Encode(credentials.username + ":" + credentials.password);
  }
  if (!query.empty()) request.url += (realm.find('?') == std::string::npos ? "?" : "&") + query;
  return request;
}

Authenticator::Token Authenticator::FetchToken(const std::vector<std::string>& scopes) {
  HttpRequest request = TokenRequest(scopes);
  std::string realm = UrlForMessages(challenge_->Param("realm"));
  HttpResponse response;
  RunWithRetries(retry_, "token request to " + realm, [&](unsigned) {
    response = http_.Perform(request);
    ThrowIfTransientStatus(response, "token request to " + realm);
  });
  if (response.status != 200) FailTokenResponse(response);
  nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  std::string value;
  if (answer.is_object()) {
    for (const char* field : {"token", "access_token"}) {
      if (answer.contains(field) && answer[field].is_string() && value.empty()) {
        value = answer[field].get<std::string>();
      }
    }
  }
  if (value.empty()) {
    Fail("registry {}: the token service {} answered without a token", registry_, realm);
  }
  int64_t seconds = kDefaultTokenSeconds;
  if (answer.contains("expires_in") && answer["expires_in"].is_number_integer()) {
    seconds = std::max<int64_t>(answer["expires_in"].get<int64_t>(), 1);
  }
  // Renew a little early so that a token does not expire in flight.
  auto lifetime = std::chrono::seconds(seconds - std::min<int64_t>(seconds / 5, 30));
  return {value, std::chrono::steady_clock::now() + lifetime};
}

void Authenticator::FailTokenResponse(const HttpResponse& response) {
  const Credentials& credentials = CredentialsLocked();
  std::string realm = UrlForMessages(challenge_->Param("realm"));
  if (response.status == 401 || response.status == 403) {
    if (credentials.empty()) {
      Fail("registry {} requires authentication (token service {} refused anonymous access); "
           "log in with `imgbuild login {}`",
           registry_, realm, registry_);
    }
    Fail("registry {}: the token service {} refused the credentials of user \"{}\" (HTTP {}); "
         "check them with `imgbuild login {}`",
         registry_, realm, credentials.username, response.status, registry_);
  }
  Fail("registry {}: the token service {} answered HTTP {}: {}", registry_, realm, response.status,
       Excerpt(response.body));
}

}  // namespace imgbuild::registry
