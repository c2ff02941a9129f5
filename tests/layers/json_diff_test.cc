#include "layers/json_diff.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace imgbuild::layers {
namespace {

std::vector<DocumentChange> Diff(const std::string& a, const std::string& b) {
  std::vector<DocumentChange> out;
  CompareJson("config", ParseForComparison(a, "a"), ParseForComparison(b, "b"), out);
  return out;
}

TEST(JsonDiffTest, NamesEachDifferingLeafByItsPathInDocumentOrder) {
  std::vector<DocumentChange> changes =
      Diff(R"({"created":"1","config":{"Env":["A=1","B=2"]},"history":[{"created_by":"x"}]})",
           R"({"created":"2","config":{"Env":["A=1","B=3"]},"history":[{"created_by":"x"}]})");
  EXPECT_EQ(changes, (std::vector<DocumentChange>{{"config", "created", "1", "2"},
                                                  {"config", "config.Env[1]", "B=2", "B=3"}}));
}

TEST(JsonDiffTest, MissingFieldsAndExtraElementsAreAbsentOnOneSide) {
  std::vector<DocumentChange> changes =
      Diff(R"({"author":"me","history":[{"a":1}]})",
           R"({"history":[{"a":1},{"a":2}],"os":"linux"})");
  EXPECT_EQ(changes, (std::vector<DocumentChange>{{"config", "author", "me", std::nullopt},
                                                  {"config", "history[1]", std::nullopt,
                                                   R"({"a":2})"},
                                                  {"config", "os", std::nullopt, "linux"}}));
}

TEST(JsonDiffTest, KeysThatAreNotIdentifiersAreQuoted) {
  std::vector<DocumentChange> changes = Diff(R"({"annotations":{"org.example.x":"1"}})",
                                             R"({"annotations":{"org.example.x":"2"}})");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].field, R"(annotations["org.example.x"])");
}

TEST(JsonDiffTest, DifferentTypesCompareAsAWhole) {
  std::vector<DocumentChange> changes =
      Diff(R"({"config":{"User":"me"}})", R"({"config":["me"]})");
  EXPECT_EQ(changes,
            (std::vector<DocumentChange>{{"config", "config", R"({"User":"me"})", R"(["me"])"}}));
}

TEST(JsonDiffTest, HostileNestingIsRefusedNamingTheDocument) {
  std::string deep = std::string(1000, '[') + std::string(1000, ']');
  try {
    ParseForComparison(deep, "config sha256:00");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("config sha256:00"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("deeper than"), std::string::npos);
  }
}

}  // namespace
}  // namespace imgbuild::layers
