#include "registry/retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <random>
#include <thread>

namespace imgbuild::registry {
namespace {

// Retry-After beyond this is treated as "a long time": we still wait only
// max_delay, the caller's bound.
constexpr long long kMaxRetryAfterSeconds = 24 * 3600;

std::optional<std::chrono::milliseconds> ParseHttpDate(std::string_view value, std::time_t now) {
  std::tm parts{};
  std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  std::time_t when = timegm(&parts);
  return std::chrono::seconds(std::max<std::time_t>(0, when - now));
}

}  // namespace

bool IsTransientStatus(long status) {
  if (status == 408 || status == 429) return true;
  return status >= 500 && status <= 599 && status != 501 && status != 505;
}

bool IsTransientTransport(int curl_code) {
  switch (curl_code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
      return true;
    default:
      return false;
  }
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, std::time_t now) {
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 6) return std::chrono::seconds(kMaxRetryAfterSeconds);
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  return ParseHttpDate(value, now);
}

void ThrowIfTransientStatus(const HttpResponse& response, std::string_view what) {
  if (!IsTransientStatus(response.status)) return;
  throw TransientError(fmt::format("{}: HTTP {}", what, response.status),
                       ParseRetryAfter(response.Header("Retry-After"), std::time(nullptr)));
}

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, unsigned attempt,
                                     std::optional<std::chrono::milliseconds> retry_after) {
  if (retry_after) return std::min(*retry_after, policy.max_delay);
  int doublings = static_cast<int>(std::min(attempt, 30u)) - 1;
  auto base = std::min(policy.initial_delay * (int64_t{1} << doublings), policy.max_delay);
  // Jitter spreads out the retries of parallel transfers that failed together.
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_int_distribution<int64_t> jitter(0, base.count() / 2);
  return std::min(base + std::chrono::milliseconds(jitter(random)), policy.max_delay);
}

void RunWithRetries(const RetryPolicy& policy, std::string_view what,
                    const std::function<void(unsigned attempt)>& attempt) {
  unsigned attempts = std::max(policy.max_attempts, 1u);
  for (unsigned number = 1;; ++number) {
    std::string failure;
    std::optional<std::chrono::milliseconds> retry_after;
    try {
      attempt(number);
      return;
    } catch (const TransientError& error) {
      failure = error.what();
      retry_after = error.retry_after();
    } catch (const TransportError& error) {
      if (!IsTransientTransport(error.curl_code())) throw;
      failure = error.what();
    }
    if (number >= attempts) {
      Fail("{}: gave up after {} attempts: {}", what, attempts, failure);
    }
    std::chrono::milliseconds delay = RetryDelay(policy, number, retry_after);
    if (policy.log) {
      policy.log(fmt::format("retrying {} in {} ms (attempt {} of {}): {}", what, delay.count(),
                             number + 1, attempts, failure));
    }
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace imgbuild::registry
