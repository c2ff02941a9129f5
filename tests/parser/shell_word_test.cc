#include "parser/shell_word.h"

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imgbuild::parser {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Env = std::map<std::string, std::string, std::less<>>;

VarLookup LookupIn(const Env& env) {
  return [&env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

// ---------------------------------------------------------------------------
// testdata/parser/expansion.table; its header comment documents the format.

struct TableCase {
  int line = 0;
  char escape = '\\';
  bool words = false;
  std::string input;
  std::optional<std::string> error;  // expected message part, when an error is expected
  std::string expected;
  std::vector<std::string> expected_words;
  Env env;
};

std::string Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  const size_t last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

// The table's stand-ins for characters that are hard to see or to write there.
std::string Unpicture(std::string text) {
  static const std::pair<std::string_view, char> kPictures[] = {
      {"␣", ' '}, {"␉", '\t'}, {"␤", '\n'}, {"¦", '|'}};
  for (const auto& [picture, character] : kPictures) {
    for (size_t at = text.find(picture); at != std::string::npos; at = text.find(picture, at + 1))
      text.replace(at, picture.size(), 1, character);
  }
  return text;
}

std::vector<std::string> SplitOn(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(separator, start)) != std::string_view::npos; start = at + 1)
    parts.emplace_back(text.substr(start, at - start));
  parts.emplace_back(text.substr(start));
  return parts;
}

// Fills `test` from the three fields of a case line; returns what is wrong, or "".
std::string ParseCase(const std::vector<std::string>& fields, TableCase& test) {
  const std::vector<std::string> mode = SplitOn(Trim(fields[0]), ' ');
  if (mode[0] != "\\" && mode[0] != "`") return "MODE must start with \\ or `";
  test.escape = mode[0][0];
  if (mode.size() > 2 || (mode.size() == 2 && mode[1] != "words"))
    return "MODE may only add \"words\" to the escape token";
  test.words = mode.size() == 2;
  test.input = Unpicture(Trim(fields[1]));
  const std::string expected = Trim(fields[2]);
  if (expected == "ERROR" || expected.starts_with("ERROR:")) {
    test.error = Unpicture(Trim(std::string_view(expected).substr(5 + (expected.size() > 5))));
  } else if (test.words) {
    if (!expected.empty())
      for (const std::string& word : SplitOn(expected, ','))
        test.expected_words.push_back(Unpicture(word));
  } else {
    test.expected = Unpicture(expected);
  }
  return "";
}

// Reads every case; reports a malformed line as a failure at that line.
std::vector<TableCase> LoadTable(const std::string& path) {
  std::ifstream file(path);
  EXPECT_TRUE(file.is_open()) << "cannot open " << path;
  std::vector<TableCase> cases;
  Env env;
  std::string text;
  for (int line = 1; std::getline(file, text); ++line) {
    const std::string trimmed = Trim(text);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    if (trimmed.starts_with("ENV ")) {
      const size_t equals = trimmed.find('=');
      if (equals == std::string::npos) {
        ADD_FAILURE_AT(path.c_str(), line) << "ENV needs NAME=VALUE: " << trimmed;
        continue;
      }
      env[Trim(trimmed.substr(4, equals - 4))] = Unpicture(Trim(trimmed.substr(equals + 1)));
      continue;
    }
    if (trimmed.starts_with("UNSET ")) {
      env.erase(Trim(trimmed.substr(6)));
      continue;
    }
    const std::vector<std::string> fields = SplitOn(trimmed, '|');
    TableCase test;
    test.line = line;
    test.env = env;
    const std::string problem =
        fields.size() != 3 ? "a case needs exactly three '|'-separated fields (write | as ¦)"
                           : ParseCase(fields, test);
    if (!problem.empty()) {
      ADD_FAILURE_AT(path.c_str(), line) << problem << ": " << trimmed;
      continue;
    }
    cases.push_back(std::move(test));
  }
  return cases;
}

std::string Show(const std::vector<std::string>& words) {
  std::string text = "[";
  for (const std::string& word : words) text += (text.size() > 1 ? ", \"" : "\"") + word + "\"";
  return text + "]";
}

// Runs one case; returns a description of the mismatch, or "".
std::string RunCase(const TableCase& test) {
  const WordExpander expander(test.escape);
  const VarLookup lookup = LookupIn(test.env);
  std::string got;
  try {
    if (test.words) {
      std::vector<std::string> words = expander.ExpandWords(test.input, lookup);
      if (!test.error && words == test.expected_words) return "";
      got = Show(words);
    } else {
      got = expander.ExpandWord(test.input, lookup);
      if (!test.error && got == test.expected) {
        // ExpandWords must accept what ExpandWord accepts.
        try {
          expander.ExpandWords(test.input, lookup);
        } catch (const ExpansionError& e) {
          return std::string("ExpandWord succeeded but ExpandWords threw: ") + e.what();
        }
        return "";
      }
      got = "\"" + got + "\"";
    }
  } catch (const ExpansionError& e) {
    if (test.error && std::string_view(e.what()).find(*test.error) != std::string_view::npos) {
      if (test.words) return "";
      try {
        expander.ExpandWords(test.input, lookup);
        return "ExpandWord threw but ExpandWords did not";
      } catch (const ExpansionError&) {
        return "";
      }
    }
    got = std::string("error: ") + e.what();
  }
  const std::string want = test.error ? "an error containing \"" + *test.error + "\""
                           : test.words ? Show(test.expected_words)
                                        : "\"" + test.expected + "\"";
  return "input \"" + test.input + "\" (escape " + test.escape + "): want " + want + ", got " + got;
}

TEST(ShellWordTableTest, EveryCaseExpandsAsBuildKitDoes) {
  const std::string path = std::string(IMGBUILD_SOURCE_DIR) + "/testdata/parser/expansion.table";
  const std::vector<TableCase> cases = LoadTable(path);
  EXPECT_GE(cases.size(), 120u) << "the table lost cases";
  for (const TableCase& test : cases) {
    const std::string mismatch = RunCase(test);
    if (!mismatch.empty()) ADD_FAILURE_AT(path.c_str(), test.line) << mismatch;
  }
}

// ---------------------------------------------------------------------------
// Direct tests.

class ShellWordTest : public ::testing::Test {
 protected:
  std::string Expand(std::string_view word, std::set<std::string>* used = nullptr) const {
    return WordExpander('\\').ExpandWord(word, LookupIn(env_), used);
  }
  std::vector<std::string> Words(std::string_view text,
                                 std::set<std::string>* used = nullptr) const {
    return WordExpander('\\').ExpandWords(text, LookupIn(env_), used);
  }
  // The message of the ExpansionError that expanding `word` throws.
  std::string ErrorOf(std::string_view word) const {
    try {
      const std::string result = Expand(word);
      return "no error; result \"" + result + "\"";
    } catch (const ExpansionError& e) {
      return e.what();
    }
  }

  Env env_ = {{"SET", "value"}, {"EMPTY", ""}, {"LIST", "one two  three"}};
};

TEST_F(ShellWordTest, EscapeTokenIsKept) {
  EXPECT_EQ(WordExpander().escape(), '\\');
  EXPECT_EQ(WordExpander('`').escape(), '`');
}

TEST_F(ShellWordTest, ExpandWordsSplitsUnquotedValuesOnly) {
  EXPECT_THAT(Words("cp $LIST /dst"), ElementsAre("cp", "one", "two", "three", "/dst"));
  EXPECT_THAT(Words("cp \"$LIST\" /dst"), ElementsAre("cp", "one two  three", "/dst"));
  EXPECT_THAT(Words("cp '$LIST' x\\ y"), ElementsAre("cp", "$LIST", "x y"));
  EXPECT_THAT(Words("a${LIST}b"), ElementsAre("aone", "two", "threeb"));
}

TEST_F(ShellWordTest, ExpandWordsDropsEmptyWords) {
  EXPECT_THAT(Words(""), ElementsAre());
  EXPECT_THAT(Words("   \t "), ElementsAre());
  EXPECT_THAT(Words("$UNSET $EMPTY"), ElementsAre());
  EXPECT_THAT(Words("\"\" '' x \"\""), ElementsAre("x"));
}

TEST_F(ShellWordTest, ExpandWordsSplitsAtUnicodeSpacesAsGoDoes) {
  env_["NBSP"] = "a\u00a0b\u3000c";
  EXPECT_THAT(Words("$NBSP"), ElementsAre("a", "b", "c"));
  EXPECT_EQ(Expand("$NBSP"), "a\u00a0b\u3000c");
}

TEST_F(ShellWordTest, ExpandWordKeepsWhitespace) {
  EXPECT_EQ(Expand("  $LIST  "), "  one two  three  ");
}

TEST_F(ShellWordTest, UsedCollectsSetAndUnsetNames) {
  std::set<std::string> used;
  EXPECT_EQ(Expand("$SET ${UNSET:-x} ${EMPTY:+y}", &used), "value x ");
  EXPECT_EQ(used, (std::set<std::string>{"EMPTY", "SET", "UNSET"}));
}

TEST_F(ShellWordTest, UsedIncludesNamesInWordsThatWereNotNeeded) {
  std::set<std::string> used;
  EXPECT_EQ(Expand("${SET:-$A}${SET#$B}${SET/$C/$D}${SET+${E:-$F}}", &used), "valuevaluevalue");
  EXPECT_EQ(used, (std::set<std::string>{"A", "B", "C", "D", "E", "F", "SET"}));
}

TEST_F(ShellWordTest, UsedIgnoresQuotedAndEscapedDollars) {
  std::set<std::string> used;
  EXPECT_EQ(Expand("'$A' \\$B \"\\$C\" $1 $@", &used), "$A $B $C  ");
  EXPECT_EQ(used, (std::set<std::string>{"1", "@"}));
}

TEST_F(ShellWordTest, UsedIsFilledByExpandWordsAndAddsToWhatItHeld) {
  std::set<std::string> used = {"EARLIER"};
  EXPECT_THAT(Words("$SET ${OTHER}", &used), ElementsAre("value"));
  EXPECT_EQ(used, (std::set<std::string>{"EARLIER", "OTHER", "SET"}));
}

TEST_F(ShellWordTest, LookupIsAskedOnlyForNames) {
  std::vector<std::string> asked;
  const VarLookup lookup = [&asked](std::string_view name) -> std::optional<std::string> {
    asked.emplace_back(name);
    return std::nullopt;
  };
  EXPECT_EQ(WordExpander().ExpandWord("$A.$ ${B:-x}${+y}${/p/r}", lookup), ".$ x");
  EXPECT_THAT(asked, ElementsAre("A", "B"));
}

TEST_F(ShellWordTest, UnterminatedQuotesNameTheQuoteAndTheWord) {
  EXPECT_EQ(ErrorOf("\"hello"), "unterminated double quote in \"\\\"hello\"");
  EXPECT_EQ(ErrorOf("it's"), "unterminated single quote in \"it's\"");
}

TEST_F(ShellWordTest, RequiredVariableErrorsUseTheMessageOrBuildKitsWording) {
  EXPECT_EQ(ErrorOf("${UNSET:?}"), "UNSET: is not allowed to be unset");
  EXPECT_EQ(ErrorOf("${UNSET?}"), "UNSET: is not allowed to be unset");
  EXPECT_EQ(ErrorOf("${EMPTY:?}"), "EMPTY: is not allowed to be empty");
  EXPECT_EQ(ErrorOf("${EMPTY:?set EMPTY to a version, not $SET}"),
            "EMPTY: set EMPTY to a version, not value");
}

TEST_F(ShellWordTest, SyntaxErrorsShowTheFormAndTheWord) {
  EXPECT_EQ(ErrorOf("a${}b"),
            "bad substitution \"${}\": a variable name must follow \"${\" in \"a${}b\"");
  EXPECT_EQ(ErrorOf("${SET=x}"),
            "bad substitution \"${SET=\": unsupported modifier \"=\" in \"${SET=x}\"");
  EXPECT_EQ(ErrorOf("x${SET"), "missing '}' to close \"${SET\" in \"x${SET\"");
  EXPECT_EQ(ErrorOf("${SET:-x"), "missing '}' to close \"${SET:-\" in \"${SET:-x\"");
  EXPECT_EQ(ErrorOf("${SET/a"), "missing '/' after the pattern of \"${SET/\" in \"${SET/a\"");
  EXPECT_EQ(
      ErrorOf("${SET#a\\x}"),
      "bad pattern \"a\\\\x\": '\\x' is no escape there (only \\*, \\?, \\\\, \\} and \\/ are)"
      " in \"${SET#a\\\\x}\"");
}

TEST_F(ShellWordTest, ExpansionErrorIsAnImgbuildError) {
  try {
    Expand("${UNSET:?}");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(dynamic_cast<const ExpansionError*>(&e), nullptr);
  }
}

TEST_F(ShellWordTest, InvalidUtf8PassesThroughByteForByte) {
  env_["BAD"] = "a\xff\xfe" "b";
  EXPECT_EQ(Expand("$BAD\xc3"), "a\xff\xfe" "b\xc3");
  EXPECT_EQ(Expand("${BAD#a?}"), "\xfe" "b");
  EXPECT_EQ(Expand("${BAD//?/.}"), "....");
}

TEST_F(ShellWordTest, LeadingByteOrderMarkIsDroppedAsBuildKitsScannerDoes) {
  EXPECT_EQ(Expand("\xEF\xBB\xBF$SET"), "value");
  EXPECT_EQ(Expand("a\xEF\xBB\xBF"), "a\xEF\xBB\xBF");
}

// Recipes expand many words, some long: the work must stay linear in the
// input. The limits are two orders of magnitude above what linear code
// needs, so they fail only for quadratic behaviour.
TEST_F(ShellWordTest, LongInputsExpandInLinearTime) {
  std::string word;
  for (int i = 0; i < 100'000; ++i) word += "$SET/${SET:-x}\"$LIST\"'q'\\$ ";
  env_["LONG"] = std::string(1'000'000, 'a') + "b";
  const auto start = std::chrono::steady_clock::now();
  const std::string result = Expand(word);
  const std::vector<std::string> words = Words(word);
  const std::string replaced = Expand("${LONG//a/c}");
  const std::string trimmed = Expand("${LONG%%a*}${LONG#*b}");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string expected;
  for (int i = 0; i < 100'000; ++i) expected += "value/valueone two  threeq$ ";
  EXPECT_EQ(result, expected);
  EXPECT_EQ(words.size(), 100'000u);
  EXPECT_EQ(replaced, std::string(1'000'000, 'c') + "b");
  EXPECT_EQ(trimmed, "");
  EXPECT_LT(seconds, 5.0);
}

}  // namespace
}  // namespace imgbuild::parser
