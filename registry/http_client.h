// HTTP for the registry client: libcurl easy handles owned by RAII, reused
// for keep-alive, TLS verified against the system CAs (plus an optional
// bundle), bodies streamed in from files and out to callbacks, and redirects
// followed by hand so that credentials never travel to another host (blob
// storage behind a registry, such as S3, gets no Authorization header).
#ifndef IMGBUILD_REGISTRY_HTTP_CLIENT_H_
#define IMGBUILD_REGISTRY_HTTP_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace imgbuild::registry {

/// A transfer that failed below HTTP: no connection, reset, timeout, TLS,
/// truncated body. The message names the URL (without its query string).
class TransportError : public Error {
 public:
  TransportError(const std::string& message, int curl_code) : Error(message), code_(curl_code) {}
  /// The CURLcode.
  int curl_code() const { return code_; }

 private:
  int code_;
};

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpResponse;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  /// Extra headers, "Name: value".
  std::vector<std::string> headers{};
  /// Value of the Authorization header; sent to the host of `url` only.
  std::string authorization{};
  /// Request body from memory, used when `body_fd` < 0.
  std::string body{};
  /// Request body read from a file (not owned) at `body_offset`, `body_length` bytes.
  int body_fd = -1;
  int64_t body_offset = 0;
  int64_t body_length = 0;
  /// Receives the body of a 200 or 206 response as it arrives; others are
  /// collected into HttpResponse::body. When empty every body is collected.
  /// May throw to abort the transfer (the exception propagates).
  std::function<void(const char* data, size_t size)> on_body{};
  /// Called once before the first on_body call of a response, with its
  /// status and headers (no body yet). May throw to abort the transfer.
  std::function<void(const HttpResponse& head)> on_head{};
  /// Largest body collected in memory; a longer one fails the request.
  size_t max_collected_body = 8 << 20;
  /// Verify the server's TLS certificate and name.
  bool verify_tls = true;
  /// Redirects followed (301, 302, 303, 307, 308).
  int max_redirects = 5;
};

struct HttpResponse {
  long status = 0;
  /// Headers of the final response, in order.
  std::vector<HttpHeader> headers{};
  /// The body, unless it was streamed to HttpRequest::on_body.
  std::string body{};
  /// The URL that gave this response (after redirects).
  std::string url{};

  /// The first header called `name` (case-insensitive), "" when absent.
  std::string Header(std::string_view name) const;
  /// Every header called `name`, in order.
  std::vector<std::string> Headers(std::string_view name) const;
};

struct HttpClientOptions {
  /// CA bundle trusted besides the system's; "" for the system CAs only.
  std::string tls_ca_file{};
  /// Seconds allowed to establish a connection.
  long connect_timeout_seconds = 30;
  /// A transfer slower than one byte per second for this long is aborted.
  long stall_timeout_seconds = 60;
  std::string user_agent = "imgbuild/0.1";
};

/// `url` without its query string, for messages: upload and storage URLs
/// carry signed state that does not belong in logs.
std::string UrlForMessages(std::string_view url);

/// "scheme://host:port" of `url`, lower-cased, with the default port made
/// explicit; used to decide where credentials may go. Throws Error for a
/// URL libcurl cannot parse.
std::string UrlOrigin(std::string_view url);

/// Percent-encodes everything but RFC 3986 unreserved characters, for
/// query parameters.
std::string UrlEscape(std::string_view text);

/// Resolves `location` (absolute, or relative as in a Location header)
/// against `base`. Throws Error when either cannot be parsed.
std::string ResolveUrl(std::string_view base, std::string_view location);

/// Sends requests. Thread-safe: each request takes an idle easy handle (its
/// connections stay open for the next request) or makes a new one.
class HttpClient {
 public:
  /// Throws Error when libcurl cannot be set up.
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Performs `request` and returns the final response, whatever its status.
  /// Throws TransportError when the transfer fails, Error for a bad URL, a
  /// redirect loop or a collected body over the limit, and whatever
  /// on_body throws.
  HttpResponse Perform(const HttpRequest& request) const;

 private:
  struct Handles;
  HttpResponse PerformOnce(const HttpRequest& request, const std::string& url,
                           bool send_authorization, std::string_view method) const;

  HttpClientOptions options_;
  std::unique_ptr<Handles> handles_;
};

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_HTTP_CLIENT_H_
