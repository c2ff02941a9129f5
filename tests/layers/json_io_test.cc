#include "layers/json_io.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace imgbuild::layers {
namespace {

TEST(JsonIoTest, DumpsLikeGoEncodingJson) {
  nlohmann::ordered_json value = nlohmann::ordered_json::object();
  value["z"] = "<a & b>";
  value["a"] = "line\u2028para\u2029end";
  value["c"] = std::string("tab\there\x01\x7f", 10);
  value["n"] = nlohmann::ordered_json::array({1, -2, true, nullptr});
  EXPECT_EQ(DumpCanonicalJson(value),
            R"({"z":"\u003ca \u0026 b\u003e","a":"line\u2028para\u2029end","c":"tab\there\u0001)"
            "\x7f"
            R"(","n":[1,-2,true,null]})");
}

TEST(JsonIoTest, ParseErrorsNameTheOrigin) {
  try {
    ParseJsonDocument("{\"a\":", "config sha256:1234");
    ADD_FAILURE() << "parsed truncated JSON";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  "config sha256:1234: invalid JSON: parse error at line 1, column 6", 0),
              0u)
        << e.what();
  }
}

TEST(JsonIoTest, ReaderTreatsNullAsAbsentAndChecksKinds) {
  nlohmann::json document =
      nlohmann::json::parse(R"({"s":"x","n":null,"i":5,"o":{"k":"v"},"l":[{"x":1}],"b":false})");
  JsonObjectReader reader(document, "doc");
  EXPECT_TRUE(reader.Has("s"));
  EXPECT_FALSE(reader.Has("n"));
  EXPECT_EQ(reader.OptionalString("n"), "");
  EXPECT_EQ(reader.OptionalInteger("missing", 0), 0);
  EXPECT_EQ(reader.Integer("i", 5), 5);
  EXPECT_FALSE(reader.OptionalBool("b"));
  EXPECT_EQ(reader.Object("o").String("k"), "v");
  EXPECT_FALSE(reader.OptionalObject("n").has_value());
  EXPECT_EQ(reader.ObjectList("l", true).at(0).Integer("x", 0), 1);
  EXPECT_TRUE(reader.ObjectList("n", false).empty());
  EXPECT_THROW(reader.String("n"), Error);
  EXPECT_THROW(reader.Integer("i", 6), Error);
  EXPECT_THROW(reader.OptionalBool("s"), Error);
  try {
    reader.ObjectList("l", true).at(0).String("x");
    ADD_FAILURE() << "read an integer as a string";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), R"(doc: field "l[0].x": expected a string, got integer 1)");
  }
}

}  // namespace
}  // namespace imgbuild::layers
