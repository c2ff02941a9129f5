#include "builder/go_format.h"

#include <gtest/gtest.h>

namespace imgbuild::builder {
namespace {

TEST(GoFormatTest, QuoteEscapesLikeStrconvQuote) {
  EXPECT_EQ(GoQuote("echo hi"), "\"echo hi\"");
  EXPECT_EQ(GoQuote("say \"hi\"\\n"), "\"say \\\"hi\\\"\\\\n\"");
  EXPECT_EQ(GoQuote("a\tb\nc\r\a\b\f\v"), "\"a\\tb\\nc\\r\\a\\b\\f\\v\"");
  EXPECT_EQ(GoQuote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
  EXPECT_EQ(GoQuote("caf\xC3\xA9 \xE2\x9C\x93"), "\"caf\xC3\xA9 \xE2\x9C\x93\"");
  EXPECT_EQ(GoQuote("bad \xff byte"), "\"bad \\xff byte\"");
  EXPECT_EQ(GoQuote("\xC2\x85"), "\"\\u0085\"");
}

TEST(GoFormatTest, ListsLikeFmtVerbs) {
  EXPECT_EQ(GoQuoteList({"/bin/sh", "-c", "echo hi"}), "[\"/bin/sh\" \"-c\" \"echo hi\"]");
  EXPECT_EQ(GoQuoteList({}), "[]");
  EXPECT_EQ(GoList({"/bin/bash", "-c"}), "[/bin/bash -c]");
}

TEST(GoFormatTest, DurationsLikeTimeDurationString) {
  struct Case {
    int64_t nanoseconds;
    const char* text;
  } cases[] = {{0, "0s"},
               {1, "1ns"},
               {1500, "1.5\xC2\xB5s"},
               {500000000, "500ms"},
               {1500000, "1.5ms"},
               {1000000000, "1s"},
               {1500000000, "1.5s"},
               {30000000000, "30s"},
               {90000000000, "1m30s"},
               {3600000000000, "1h0m0s"},
               {3723000000000, "1h2m3s"},
               {-2000000000, "-2s"}};
  for (const Case& c : cases) EXPECT_EQ(GoDuration(c.nanoseconds), c.text) << c.nanoseconds;
}

}  // namespace
}  // namespace imgbuild::builder
