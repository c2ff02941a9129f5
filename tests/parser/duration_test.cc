// ParseDuration: Go's time.ParseDuration, case by case.
#include "parser/duration.h"

#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/error.h"

namespace imgbuild::parser {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kSecond = 1'000'000'000;

TEST(DurationTest, GoTable) {
  const std::pair<std::string_view, int64_t> cases[] = {
      {"0", 0},
      {"+0", 0},
      {"-0", 0},
      {"0s", 0},
      {"5s", 5 * kSecond},
      {"30s", 30 * kSecond},
      {"1478s", 1478 * kSecond},
      {"-5s", -5 * kSecond},
      {"+5s", 5 * kSecond},
      {"5.0s", 5 * kSecond},
      {"5.6s", 5 * kSecond + 600'000'000},
      {"5.s", 5 * kSecond},
      {".5s", kSecond / 2},
      {"1.0s", kSecond},
      {"1.00s", kSecond},
      {"1.004s", kSecond + 4'000'000},
      {"1.0040s", kSecond + 4'000'000},
      {"100.00100s", 100 * kSecond + 1'000'000},
      {"10ns", 10},
      {"11us", 11'000},
      {"12\xC2\xB5s", 12'000},
      {"12\xCE\xBCs", 12'000},
      {"13ms", 13'000'000},
      {"14s", 14 * kSecond},
      {"15m", 15 * 60 * kSecond},
      {"16h", 16 * 3600 * kSecond},
      {"3h30m", (3 * 3600 + 30 * 60) * kSecond},
      {"10.5s4m", 4 * 60 * kSecond + 10 * kSecond + kSecond / 2},
      {"-2m3.4s", -(2 * 60 * kSecond + 3 * kSecond + 400'000'000)},
      {"1h2m3s4ms5us6ns", 3600 * kSecond + 2 * 60 * kSecond + 3 * kSecond + 4'000'000 + 5'000 + 6},
      {"39h9m14.425s", 39 * 3600 * kSecond + 9 * 60 * kSecond + 14 * kSecond + 425'000'000},
      {"52763797000ns", 52763797000},
      {"0.3333333333333333333h", 20 * 60 * kSecond},
      {"9007199254740993ns", 9007199254740993},
      {"9223372036854775807ns", std::numeric_limits<int64_t>::max()},
      {"9223372036854775.807us", std::numeric_limits<int64_t>::max()},
      {"9223372036s854ms775us807ns", std::numeric_limits<int64_t>::max()},
      {"-9223372036854775808ns", std::numeric_limits<int64_t>::min()},
      {"-9223372036854775.808us", std::numeric_limits<int64_t>::min()},
      {"0.100000000000000000000h", 6 * 60 * kSecond},
      {"0.830103483285477580700h", 49 * 60 * kSecond + 48 * kSecond + 372'539'827},
  };
  for (const auto& [text, nanoseconds] : cases) EXPECT_EQ(ParseDuration(text), nanoseconds) << text;
}

TEST(DurationTest, GoRejects) {
  for (std::string_view bad : {"", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "1.5.h", "1 s",
                               "9223372036854775808ns", "9223372036854775.808us", "-9223372036854775809ns",
                               "9223372036854ms775us808ns", "3000000h"}) {
    EXPECT_THROW(ParseDuration(bad), Error) << bad;
  }
}

TEST(DurationTest, MessagesSayWhatIsWrong) {
  auto message = [](std::string_view text) {
    try {
      ParseDuration(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(message("30"), HasSubstr("invalid duration \"30\": missing unit"));
  EXPECT_THAT(message("2d"), HasSubstr("unknown unit \"d\""));
  EXPECT_THAT(message("2d"), HasSubstr("units are ns, us, ms, s, m, h"));
  EXPECT_THAT(message(""), HasSubstr("invalid duration \"\": empty"));
  EXPECT_THAT(message("99999999999h"), HasSubstr("too large"));
}

}  // namespace
}  // namespace imgbuild::parser
