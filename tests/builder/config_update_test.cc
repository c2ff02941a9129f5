#include "builder/config_update.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "parser/ast.h"
#include "parser/graph.h"

namespace imgbuild::builder {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

parser::Graph GraphOf(const std::string& recipe, parser::GraphOptions options = {}) {
  return parser::BuildGraph(parser::ParseAst(recipe, "Buildfile"), options);
}

// Applies every metadata step of the recipe's last stage to `base`.
StageConfig Apply(const std::string& recipe, layers::ImageConfig base = {},
                  parser::GraphOptions options = {}) {
  parser::Graph graph = GraphOf(recipe, std::move(options));
  StageConfig stage = StartStage(std::move(base));
  for (const parser::Step& step : graph.stages.back().steps) {
    ApplyMetadataStep(stage, step, "2024-01-02T03:04:05Z");
  }
  return stage;
}

std::vector<std::string> HistoryTexts(const layers::ImageConfig& config) {
  std::vector<std::string> texts;
  for (const layers::HistoryEntry& entry : config.history) texts.push_back(entry.created_by);
  return texts;
}

TEST(ConfigUpdateTest, ScratchAndStartStageFollowBuildKit) {
  layers::ImageConfig scratch = ScratchConfig(parser::Platform::Parse("linux/arm/v7"));
  EXPECT_EQ(scratch.architecture, "arm");
  EXPECT_EQ(scratch.variant, "v7");
  EXPECT_EQ(scratch.config.working_dir, "/");
  EXPECT_THAT(scratch.config.env,
              ElementsAre("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  layers::ImageConfig base{.created = "2020-01-01T00:00:00Z"};
  base.config.env = {"A=1"};
  base.config.on_build = {"RUN make"};
  StageConfig started = StartStage(base);
  EXPECT_EQ(started.image.created, "");
  EXPECT_THAT(started.image.config.on_build, IsEmpty());
  EXPECT_THAT(
      started.image.config.env,
      ElementsAre("A=1", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
}

TEST(ConfigUpdateTest, MetadataInstructionsSetFieldsAndHistory) {
  layers::ImageConfig base;
  base.config.env = {"PATH=/bin", "B=old"};
  StageConfig stage = Apply(
      "FROM scratch\n"
      "ENV A=1 B=\"two words\"\n"
      "LABEL org.example.a=yes \"b c\"=d\n"
      "EXPOSE 80 53/UDP 8000-8002/tcp\n"
      "VOLUME /data /logs\n"
      "USER app:app\n"
      "STOPSIGNAL SIGINT\n"
      "MAINTAINER Jane <jane@example.com>\n",
      base);
  const layers::ImageConfig& image = stage.image;
  EXPECT_THAT(image.config.env, ElementsAre("PATH=/bin", "B=two words", "A=1"));
  EXPECT_EQ(image.config.labels.at("org.example.a"), "yes");
  EXPECT_EQ(image.config.labels.at("b c"), "d");
  EXPECT_THAT(image.config.exposed_ports,
              ElementsAre("53/udp", "80/tcp", "8000/tcp", "8001/tcp", "8002/tcp"));
  EXPECT_THAT(image.config.volumes, ElementsAre("/data", "/logs"));
  EXPECT_EQ(image.config.user, "app:app");
  EXPECT_EQ(image.config.stop_signal, "SIGINT");
  EXPECT_EQ(image.author, "Jane <jane@example.com>");
  EXPECT_THAT(HistoryTexts(image),
              ElementsAre("ENV A=1 B=two words", "LABEL org.example.a=yes b c=d",
                          "EXPOSE [80/tcp 53/udp 8000/tcp 8001/tcp 8002/tcp]",
                          "VOLUME [/data /logs]", "USER app:app",
                          "STOPSIGNAL SIGINT", "MAINTAINER Jane <jane@example.com>"));
  for (const layers::HistoryEntry& entry : image.history) {
    EXPECT_TRUE(entry.empty_layer) << entry.created_by;
    EXPECT_EQ(entry.comment, "buildkit.dockerfile.v0");
    EXPECT_EQ(entry.created, "2024-01-02T03:04:05Z");
  }
}

TEST(ConfigUpdateTest, CmdAndEntrypointGoThroughTheShellAndQuoteLikeGo) {
  StageConfig stage = Apply(
      "FROM scratch\n"
      "SHELL [\"/bin/bash\", \"-c\"]\n"
      "CMD echo \"hi\"\n"
      "ENTRYPOINT [\"/entry\", \"--flag\"]\n");
  EXPECT_THAT(stage.image.config.cmd, ElementsAre("/bin/bash", "-c", "echo \"hi\""));
  EXPECT_TRUE(stage.image.config.args_escaped);
  EXPECT_THAT(stage.image.config.entrypoint, ElementsAre("/entry", "--flag"));
  EXPECT_THAT(HistoryTexts(stage.image),
              ElementsAre("SHELL [/bin/bash -c]", "CMD [\"/bin/bash\" \"-c\" \"echo \\\"hi\\\"\"]",
                          "ENTRYPOINT [\"/entry\" \"--flag\"]"));
}

TEST(ConfigUpdateTest, EntrypointResetsOnlyAnInheritedCmd) {
  layers::ImageConfig base;
  base.config.cmd = {"sh"};
  EXPECT_THAT(Apply("FROM scratch\nENTRYPOINT [\"/e\"]\n", base).image.config.cmd, IsEmpty());
  EXPECT_THAT(Apply("FROM scratch\nCMD [\"x\"]\nENTRYPOINT [\"/e\"]\n", base).image.config.cmd,
              ElementsAre("x"));
  EXPECT_THAT(Apply("FROM scratch\nENTRYPOINT /e\n", base).image.config.entrypoint,
              ElementsAre("/bin/sh", "-c", "/e"));
}

TEST(ConfigUpdateTest, HealthcheckHistoryIsGoPlusV) {
  StageConfig stage = Apply(
      "FROM scratch\n"
      "HEALTHCHECK --interval=1m30s --timeout=3s --retries=3 CMD curl -f http://localhost/\n");
  ASSERT_TRUE(stage.image.config.healthcheck);
  EXPECT_THAT(stage.image.config.healthcheck->test,
              ElementsAre("CMD-SHELL", "curl -f http://localhost/"));
  EXPECT_EQ(stage.image.config.healthcheck->interval, 90000000000);
  EXPECT_EQ(stage.image.history.back().created_by,
            "HEALTHCHECK {Test:[CMD-SHELL curl -f http://localhost/] Interval:1m30s Timeout:3s "
            "StartPeriod:0s StartInterval:0s Retries:3}");
  StageConfig none = Apply("FROM scratch\nHEALTHCHECK NONE\n");
  EXPECT_THAT(none.image.config.healthcheck->test, ElementsAre("NONE"));
}

TEST(ConfigUpdateTest, ArgIsRecordedInHistoryButNotInTheConfig) {
  parser::GraphOptions options;
  options.build_args = {{"B", "2"}};
  StageConfig stage = Apply("FROM scratch\nARG A=1 B C\n", {}, options);
  EXPECT_THAT(HistoryTexts(stage.image), ElementsAre("ARG A=1 B=2 C"));
  EXPECT_THAT(stage.image.config.env, ElementsAre(testing::StartsWith("PATH=")));
}

TEST(ConfigUpdateTest, OnbuildIsStoredWithoutHistory) {
  StageConfig stage = Apply("FROM scratch\nONBUILD RUN make\nONBUILD copy . /app\n");
  EXPECT_THAT(stage.image.config.on_build, ElementsAre("RUN make", "copy . /app"));
  EXPECT_THAT(stage.image.history, IsEmpty());
}

TEST(ConfigUpdateTest, WorkdirResolvesAndMakesALayerUnlessRoot) {
  StageConfig stage = Apply("FROM scratch\nWORKDIR /app\nWORKDIR src/../lib\nWORKDIR /\n");
  EXPECT_EQ(stage.image.config.working_dir, "/");
  ASSERT_EQ(stage.image.history.size(), 3u);
  EXPECT_EQ(stage.image.history[0].created_by, "WORKDIR /app");
  EXPECT_FALSE(stage.image.history[0].empty_layer);
  EXPECT_EQ(stage.image.history[1].created_by, "WORKDIR /app/lib");
  EXPECT_TRUE(stage.image.history[2].empty_layer);
  EXPECT_EQ(ResolveWorkdir("", "a//b/./c/"), "/a/b/c");
  EXPECT_EQ(ResolveWorkdir("/x", "../../.."), "/");
  EXPECT_EQ(ResolveWorkdir("/x", "/y/"), "/y");
}

TEST(ConfigUpdateTest, RunHistoryNamesBuildArgsAsTheRunSeesThem) {
  parser::GraphOptions options;
  options.build_args = {{"HTTP_PROXY", "http://proxy:3128"}};
  parser::Graph graph =
      GraphOf("FROM scratch\nARG A=1\nARG B=2 C\nENV B=3\nRUN make $A\n", options);
  StageConfig stage = StartStage({});
  const std::vector<parser::Step>& steps = graph.stages[0].steps;
  for (size_t i = 0; i + 1 < steps.size(); ++i) ApplyMetadataStep(stage, steps[i], "");
  const parser::Step& run = steps.back();
  const auto& command = std::get<parser::RunCommand>(run.instruction.command);
  std::vector<parser::KeyValue> args = RunBuildArgs(stage, run);
  EXPECT_EQ(RunHistoryText(RunArgv(stage.image, command), args),
            "RUN |3 A=1 B=3 C= /bin/sh -c make $A # buildkit");
  std::vector<std::string> env = RunEnvironment(stage.image, run);
  EXPECT_THAT(
      env, ElementsAre(testing::StartsWith("PATH="), "B=3", "HTTP_PROXY=http://proxy:3128", "A=1"));
  EXPECT_EQ(RunHistoryText({"echo", "hi"}, {}), "RUN echo hi # buildkit");
}

TEST(ConfigUpdateTest, RunHeredocsBecomeCommandsAsInBuildKit) {
  parser::Graph graph = GraphOf(
      "FROM scratch\n"
      "RUN <<EOF\necho one\nEOF\n"
      "RUN <<-EOF\n#!/bin/sh\n\techo two\n\tEOF\n"
      "RUN cat <<A > /a <<B\nfirst\nA\nsecond\nB\n"
      "RUN [\"/bin/echo\", \"exec\"]\n");
  layers::ImageConfig config;
  auto argv = [&](size_t i) {
    return RunArgv(config,
                   std::get<parser::RunCommand>(graph.stages[0].steps[i].instruction.command));
  };
  EXPECT_THAT(argv(0), ElementsAre("/bin/sh", "-c", "echo one\n"));
  EXPECT_THAT(argv(1), ElementsAre("/bin/sh", "-c", "/dev/pipes/EOF"));
  EXPECT_TRUE(RunsHeredocScript(
      std::get<parser::RunCommand>(graph.stages[0].steps[1].instruction.command)));
  EXPECT_THAT(argv(2), ElementsAre("/bin/sh", "-c", "cat <<A > /a <<B\nfirst\nA\nsecond\nB"));
  EXPECT_THAT(argv(3), ElementsAre("/bin/echo", "exec"));
}

TEST(ConfigUpdateTest, CopyHistoryListsSourcesThenHeredocs) {
  parser::Graph graph = GraphOf(
      "FROM scratch AS a\nFROM scratch\nCOPY --from=a --chmod=755 x y /dst/\nADD <<EOF z "
      "/f/\nbody\nEOF\n");
  const auto& steps = graph.stages[1].steps;
  EXPECT_EQ(CopyHistoryText(std::get<parser::CopyCommand>(steps[0].instruction.command)),
            "COPY x y /dst/ # buildkit");
  EXPECT_EQ(CopyHistoryText(std::get<parser::CopyCommand>(steps[1].instruction.command)),
            "ADD z <<EOF /f/ # buildkit");
}

TEST(ConfigUpdateTest, MakesLayerForFileSystemSteps) {
  parser::Graph graph = GraphOf("FROM scratch\nRUN x\nCOPY a b\nWORKDIR /w\nWORKDIR /\nENV A=1\n");
  layers::ImageConfig config;
  const auto& steps = graph.stages[0].steps;
  EXPECT_TRUE(MakesLayer(steps[0].instruction, config));
  EXPECT_TRUE(MakesLayer(steps[1].instruction, config));
  EXPECT_TRUE(MakesLayer(steps[2].instruction, config));
  EXPECT_FALSE(MakesLayer(steps[3].instruction, config));
  EXPECT_FALSE(MakesLayer(steps[4].instruction, config));
}

}  // namespace
}  // namespace imgbuild::builder
