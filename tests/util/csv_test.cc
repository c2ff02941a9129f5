#include "util/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/error.h"

namespace imgbuild {
namespace {

using Fields = std::vector<std::string>;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TEST(CsvTest, QuotedFieldsHoldCommasAndQuotes) {
  EXPECT_EQ(SplitCsvRecord("type=image,name=a"), (Fields{"type=image", "name=a"}));
  EXPECT_EQ(SplitCsvRecord(R"(type=image,"name=a,b",push=true)"),
            (Fields{"type=image", "name=a,b", "push=true"}));
  EXPECT_EQ(SplitCsvRecord(R"("say ""hi""",x)"), (Fields{"say \"hi\"", "x"}));
  EXPECT_EQ(SplitCsvRecord("a,,b,"), (Fields{"a", "", "b", ""}));
  EXPECT_EQ(SplitCsvRecord(""), (Fields{""}));
}

TEST(CsvTest, StrayQuotesAreErrorsAsInGo) {
  EXPECT_THAT([] { SplitCsvRecord(R"("open)"); },
              ThrowsMessage<Error>(HasSubstr("extraneous or missing \" in quoted field")));
  EXPECT_THAT([] { SplitCsvRecord(R"("closed"early,x)"); },
              ThrowsMessage<Error>(HasSubstr("extraneous or missing \" in quoted field")));
  EXPECT_THAT([] { SplitCsvRecord(R"(name="a")"); },
              ThrowsMessage<Error>(HasSubstr("bare \" in non-quoted field \"name=\"a\"\"")));
}

}  // namespace
}  // namespace imgbuild
