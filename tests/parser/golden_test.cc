// The golden corpus: every testdata/parser/golden/NAME.Dockerfile parses to
// exactly NAME.json (`imgbuild parse --format json` output). NAME.args, when
// present, holds `NAME=VALUE` build args and an optional `--target=STAGE`.
// Regenerate after an intended change with IMGBUILD_UPDATE_GOLDEN=1 and
// review the diff.
//
// testdata/parser/errors/NAME.Dockerfile must fail with the message in
// NAME.error (the whole what(), location and quoted line included).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "parser/graph.h"
#include "parser/graph_json.h"

namespace imgbuild::parser {
namespace {

namespace fs = std::filesystem;

fs::path DataDir(const char* kind) { return fs::path(IMGBUILD_SOURCE_DIR) / "testdata/parser" / kind; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> RecipeNames(const char* kind) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(DataDir(kind))) {
    if (entry.path().extension() == ".Dockerfile") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Options independent of the machine running the test.
GraphOptions OptionsFor(const fs::path& args_file) {
  GraphOptions options;
  options.build_platform = Platform::Parse("linux/amd64");
  options.target_platform = Platform::Parse("linux/amd64");
  if (!fs::exists(args_file)) return options;
  std::istringstream lines(ReadFile(args_file));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("--target=", 0) == 0) {
      options.target = line.substr(9);
      continue;
    }
    size_t equals = line.find('=');
    options.build_args[line.substr(0, equals)] = equals == std::string::npos ? "" : line.substr(equals + 1);
  }
  return options;
}

std::string ParseToJson(const fs::path& recipe) {
  Ast ast = ParseAst(ReadFile(recipe), recipe.filename().string());
  fs::path args = recipe;
  args.replace_extension(".args");
  return GraphToJsonText(BuildGraph(ast, OptionsFor(args)));
}

// "01-go-build" -> "01_go_build": gtest names allow only [A-Za-z0-9_].
std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesExpectedJson) {
  fs::path recipe = DataDir("golden") / (GetParam() + ".Dockerfile");
  fs::path expected_file = DataDir("golden") / (GetParam() + ".json");
  std::string actual = ParseToJson(recipe);
  if (std::getenv("IMGBUILD_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_file, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(expected_file)) << expected_file << " is missing; run with IMGBUILD_UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, ReadFile(expected_file)) << "for " << recipe;
}

INSTANTIATE_TEST_SUITE_P(Corpus, GoldenTest, ::testing::ValuesIn(RecipeNames("golden")),
                         TestName);

TEST(GoldenCorpusTest, HasAtLeastSixtyRecipes) { EXPECT_GE(RecipeNames("golden").size(), 60u); }

class ErrorCorpusTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ErrorCorpusTest, FailsWithExpectedMessage) {
  fs::path recipe = DataDir("errors") / (GetParam() + ".Dockerfile");
  fs::path expected_file = DataDir("errors") / (GetParam() + ".error");
  std::string actual;
  try {
    ParseToJson(recipe);
    FAIL() << recipe << " parsed without error";
  } catch (const Error& e) {
    actual = std::string(e.what()) + "\n";
  }
  if (std::getenv("IMGBUILD_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_file, std::ios::binary) << actual;
    return;
  }
  EXPECT_EQ(actual, ReadFile(expected_file)) << "for " << recipe;
}

INSTANTIATE_TEST_SUITE_P(Corpus, ErrorCorpusTest, ::testing::ValuesIn(RecipeNames("errors")),
                         TestName);

}  // namespace
}  // namespace imgbuild::parser
