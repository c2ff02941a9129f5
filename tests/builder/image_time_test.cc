#include "builder/image_time.h"

#include <gtest/gtest.h>

namespace imgbuild::builder {
namespace {

using std::chrono::system_clock;

TEST(ImageTimeTest, FormatsLikeGoRfc3339Nano) {
  system_clock::time_point time{std::chrono::seconds(1704164645)};
  EXPECT_EQ(FormatRfc3339(time), "2024-01-02T03:04:05Z");
  EXPECT_EQ(FormatRfc3339(time + std::chrono::milliseconds(500)), "2024-01-02T03:04:05.5Z");
  EXPECT_EQ(FormatRfc3339(time + std::chrono::nanoseconds(123)), "2024-01-02T03:04:05.000000123Z");
  EXPECT_EQ(BuildTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(BuildTimestamp(1704164645), "2024-01-02T03:04:05Z");
}

TEST(ImageTimeTest, NowWhenNoEpoch) {
  std::optional<int64_t> now = ParseRfc3339Seconds(BuildTimestamp(std::nullopt));
  ASSERT_TRUE(now);
  int64_t real =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::now().time_since_epoch())
          .count();
  EXPECT_LE(std::abs(*now - real), 5);
}

TEST(ImageTimeTest, ParsesFractionsAndOffsets) {
  EXPECT_EQ(ParseRfc3339Seconds("2024-01-02T03:04:05Z"), 1704164645);
  EXPECT_EQ(ParseRfc3339Seconds("2024-01-02T03:04:05.999999999Z"), 1704164645);
  EXPECT_EQ(ParseRfc3339Seconds("2024-01-02T05:04:05+02:00"), 1704164645);
  EXPECT_EQ(ParseRfc3339Seconds("2024-01-02T01:04:05-02:00"), 1704164645);
  EXPECT_EQ(ParseRfc3339Seconds(""), std::nullopt);
  EXPECT_EQ(ParseRfc3339Seconds("2024-01-02 03:04:05"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Seconds("2024-01-02T03:04:05"), std::nullopt);
}

TEST(ImageTimeTest, ClampHistoryKeepsOlderEntries) {
  layers::ImageConfig config;
  config.history = {
      {.created = "2000-01-01T00:00:00Z"}, {.created = "2030-01-01T00:00:00Z"}, {.created = ""}};
  ClampHistory(config, 1704164645);
  EXPECT_EQ(config.history[0].created, "2000-01-01T00:00:00Z");
  EXPECT_EQ(config.history[1].created, "2024-01-02T03:04:05Z");
  EXPECT_EQ(config.history[2].created, "2024-01-02T03:04:05Z");
}

}  // namespace
}  // namespace imgbuild::builder
