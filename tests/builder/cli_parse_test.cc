// `imgbuild parse` and `imgbuild help`, run as a user would: the built
// binary, its stdout, stderr and exit status.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "util/temp_dir.h"

namespace imgbuild {
namespace {

using ::testing::HasSubstr;

struct CliRun {
  int status;
  std::string output;  // stdout and stderr together
};

// Runs `imgbuild ARGS` through the shell; `stdin_text` is fed on stdin.
CliRun Imgbuild(const std::string& args, const std::string& stdin_text = "") {
  TempDir dir;
  std::string input = dir.path() + "/stdin";
  std::ofstream(input) << stdin_text;
  std::string command = std::string(IMGBUILD_BINARY_DIR) + "/builder/imgbuild " + args + " <" + input + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  std::array<char, 4096> buffer;
  while (size_t got = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), got);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(CliParseTest, ReadsRecipeFromStdinAndPrintsJson) {
  CliRun run = Imgbuild("parse -f - --format json", "FROM busybox AS base\nRUN echo hi\n");
  ASSERT_EQ(run.status, 0) << run.output;
  nlohmann::json graph = nlohmann::json::parse(run.output);
  EXPECT_EQ(graph["file"], "<stdin>");
  EXPECT_EQ(graph["stages"][0]["from"]["image"], "busybox");
  EXPECT_EQ(graph["stages"][0]["instructions"][0]["keyword"], "RUN");
  EXPECT_EQ(graph["stages"][0]["instructions"][0]["line"], 2);
}

TEST(CliParseTest, PrefersBuildfileThenDockerfileInContext) {
  TempDir context;
  std::ofstream(context.path() + "/Dockerfile") << "FROM from-dockerfile\n";
  CliRun docker = Imgbuild("parse " + context.path());
  EXPECT_EQ(docker.status, 0) << docker.output;
  EXPECT_THAT(docker.output, HasSubstr("FROM from-dockerfile"));
  std::ofstream(context.path() + "/Buildfile") << "FROM from-buildfile\n";
  CliRun build = Imgbuild("parse " + context.path());
  EXPECT_THAT(build.output, HasSubstr("FROM from-buildfile"));
}

TEST(CliParseTest, BuildArgsAndTargetReachTheGraph) {
  CliRun run = Imgbuild("parse -f - --format json --build-arg V=2 --target one",
                     "ARG V=1\nFROM img:$V AS one\nFROM other AS two\n");
  ASSERT_EQ(run.status, 0) << run.output;
  nlohmann::json graph = nlohmann::json::parse(run.output);
  EXPECT_EQ(graph["stages"][0]["from"]["image"], "img:2");
  EXPECT_EQ(graph["target"], 0);
  EXPECT_EQ(graph["required"], nlohmann::json::array({0}));
}

TEST(CliParseTest, RecipeErrorExitsOneWithLocation) {
  CliRun run = Imgbuild("parse -f -", "FROM a\nCOPY --form=x a b\n");
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.output, HasSubstr("imgbuild: error: <stdin>:2:6: unknown flag --form for COPY"));
}

TEST(CliParseTest, MissingRecipeIsAClearError) {
  TempDir empty;
  CliRun run = Imgbuild("parse " + empty.path());
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.output, HasSubstr("cannot read recipe " + empty.path() + "/Buildfile"));
}

TEST(CliParseTest, HelpDescribesCommands) {
  CliRun overview = Imgbuild("--help");
  EXPECT_EQ(overview.status, 0);
  EXPECT_THAT(overview.output, HasSubstr("parse"));
  CliRun parse_help = Imgbuild("help parse");
  EXPECT_EQ(parse_help.status, 0);
  EXPECT_THAT(parse_help.output, HasSubstr("--build-arg"));
  EXPECT_THAT(parse_help.output, HasSubstr("--format"));
  CliRun unknown = Imgbuild("help nope");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_THAT(unknown.output, HasSubstr("unknown command \"nope\""));
}

TEST(CliParseTest, BundledExampleParses) {
  std::string example = std::string(IMGBUILD_SOURCE_DIR) + "/examples/hello";
  CliRun run = Imgbuild("parse --format json " + example);
  ASSERT_EQ(run.status, 0) << run.output;
  nlohmann::json graph = nlohmann::json::parse(run.output);
  EXPECT_EQ(graph["stages"].size(), 2u);
  EXPECT_EQ(graph["stages"][1]["dependencies"], nlohmann::json::array({0}));
}

}  // namespace
}  // namespace imgbuild
