// Retrying what fails transiently: connection errors, truncated bodies,
// 429 Too Many Requests and 5xx answers. Waits grow exponentially with
// jitter, bounded, and a server's Retry-After is honoured (within bounds).
#ifndef IMGBUILD_REGISTRY_RETRY_H_
#define IMGBUILD_REGISTRY_RETRY_H_

#include <chrono>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "registry/http_client.h"
#include "util/error.h"

namespace imgbuild::registry {

/// A failure worth another attempt. The message says what failed.
class TransientError : public Error {
 public:
  explicit TransientError(const std::string& message,
                          std::optional<std::chrono::milliseconds> retry_after = std::nullopt)
      : Error(message), retry_after_(retry_after) {}
  /// The wait the server asked for (Retry-After), if any.
  std::optional<std::chrono::milliseconds> retry_after() const { return retry_after_; }

 private:
  std::optional<std::chrono::milliseconds> retry_after_;
};

struct RetryPolicy {
  /// Attempts in all, the first included (at least 1).
  unsigned max_attempts = 5;
  /// Wait before the second attempt; doubles after each failure.
  std::chrono::milliseconds initial_delay{200};
  /// Cap on any wait, Retry-After included.
  std::chrono::milliseconds max_delay{10'000};
  /// Receives "retrying …" lines; may be empty.
  std::function<void(std::string_view)> log{};
};

/// Whether an HTTP status is worth retrying: 408, 429 and 5xx other than
/// 501 Not Implemented and 505 HTTP Version Not Supported.
bool IsTransientStatus(long status);

/// Whether a TransportError (by its CURLcode) is worth retrying: connection
/// refused or reset, timeouts, truncated or empty replies, send/receive
/// errors. TLS verification failures and bad URLs are not.
bool IsTransientTransport(int curl_code);

/// Parses a Retry-After value: delay seconds, or an HTTP date relative to
/// `now`. nullopt when it cannot be read.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, std::time_t now);

/// Throws TransientError("<what>: HTTP <status>", Retry-After) when the
/// response's status is transient; otherwise does nothing.
void ThrowIfTransientStatus(const HttpResponse& response, std::string_view what);

/// The wait before attempt `attempt` + 1 (attempt counts from 1): the
/// server's `retry_after` when given, else initial_delay * 2^(attempt-1)
/// with up to 50% random jitter; never more than max_delay.
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, unsigned attempt,
                                     std::optional<std::chrono::milliseconds> retry_after);

/// Runs `attempt` (given the attempt number from 1) until it returns
/// without throwing TransientError or a transient TransportError, waiting
/// RetryDelay between attempts and logging each retry. After the last
/// attempt throws Error "<what>: gave up after N attempts: <last failure>".
/// Other exceptions propagate at once.
void RunWithRetries(const RetryPolicy& policy, std::string_view what,
                    const std::function<void(unsigned attempt)>& attempt);

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_RETRY_H_
