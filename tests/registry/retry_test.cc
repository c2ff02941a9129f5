#include "registry/retry.h"

#include <curl/curl.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace imgbuild::registry {
namespace {

using std::chrono::milliseconds;

TEST(RetryTest, ClassifiesStatusesAndTransportErrors) {
  for (long status : {408, 429, 500, 502, 503, 504, 599}) EXPECT_TRUE(IsTransientStatus(status));
  for (long status : {200, 201, 400, 401, 403, 404, 416, 501, 505}) {
    EXPECT_FALSE(IsTransientStatus(status)) << status;
  }
  for (int code : {CURLE_COULDNT_CONNECT, CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR,
                   CURLE_GOT_NOTHING, CURLE_OPERATION_TIMEDOUT}) {
    EXPECT_TRUE(IsTransientTransport(code)) << code;
  }
  for (int code : {CURLE_PEER_FAILED_VERIFICATION, CURLE_URL_MALFORMAT, CURLE_WRITE_ERROR,
                   CURLE_COULDNT_RESOLVE_HOST}) {
    EXPECT_FALSE(IsTransientTransport(code)) << code;
  }
}

TEST(RetryTest, ReadsRetryAfterInSecondsOrAsADate) {
  EXPECT_EQ(ParseRetryAfter("3", 0), milliseconds(3000));
  EXPECT_EQ(ParseRetryAfter("0", 0), milliseconds(0));
  std::time_t now = 1'700'000'000;  // Tue, 14 Nov 2023 22:13:20 GMT
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:25 GMT", now), milliseconds(5000));
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:00 GMT", now), milliseconds(0));
  EXPECT_FALSE(ParseRetryAfter("", now));
  EXPECT_FALSE(ParseRetryAfter("soon", now));
}

TEST(RetryTest, DelaysGrowWithJitterWithinBounds) {
  RetryPolicy policy{.initial_delay = milliseconds(100), .max_delay = milliseconds(1000)};
  for (int round = 0; round < 50; ++round) {
    milliseconds first = RetryDelay(policy, 1, std::nullopt);
    EXPECT_GE(first, milliseconds(100));
    EXPECT_LE(first, milliseconds(150));
    milliseconds third = RetryDelay(policy, 3, std::nullopt);
    EXPECT_GE(third, milliseconds(400));
    EXPECT_LE(third, milliseconds(600));
    EXPECT_EQ(RetryDelay(policy, 20, std::nullopt), milliseconds(1000));
  }
  EXPECT_EQ(RetryDelay(policy, 1, milliseconds(300)), milliseconds(300));
  EXPECT_EQ(RetryDelay(policy, 1, milliseconds(60'000)), milliseconds(1000));
}

TEST(RetryTest, RetriesTransientFailuresOnly) {
  std::vector<std::string> log;
  RetryPolicy policy{.max_attempts = 3, .initial_delay = milliseconds(1),
                     .max_delay = milliseconds(5),
                     .log = [&](std::string_view line) { log.emplace_back(line); }};
  std::vector<unsigned> attempts;
  RunWithRetries(policy, "fetching x", [&](unsigned attempt) {
    attempts.push_back(attempt);
    if (attempt == 1) throw TransientError("GET x: HTTP 503");
    if (attempt == 2) throw TransportError("GET x: Connection reset by peer", CURLE_RECV_ERROR);
  });
  EXPECT_EQ(attempts, (std::vector<unsigned>{1, 2, 3}));
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].find("retrying fetching x in"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("(attempt 2 of 3): GET x: HTTP 503"), std::string::npos) << log[0];

  attempts.clear();
  try {
    RunWithRetries(policy, "fetching y", [&](unsigned attempt) {
      attempts.push_back(attempt);
      throw TransientError("GET y: HTTP 502");
    });
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "fetching y: gave up after 3 attempts: GET y: HTTP 502");
  }
  EXPECT_EQ(attempts.size(), 3u);

  attempts.clear();
  EXPECT_THROW(RunWithRetries(policy, "z",
                              [&](unsigned attempt) {
                                attempts.push_back(attempt);
                                throw TransportError("TLS", CURLE_PEER_FAILED_VERIFICATION);
                              }),
               TransportError);
  EXPECT_THROW(RunWithRetries(policy, "z", [&](unsigned) { Fail("digest mismatch"); }), Error);
  EXPECT_EQ(attempts.size(), 1u);
}

}  // namespace
}  // namespace imgbuild::registry
