#include "parser/graph.h"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imgbuild::parser {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

GraphOptions FixedPlatform() {
  GraphOptions options;
  options.build_platform = Platform::Parse("linux/amd64");
  options.target_platform = Platform::Parse("linux/arm64");
  return options;
}

Graph Resolve(std::string_view text, GraphOptions options = FixedPlatform()) {
  Ast ast = ParseAst(text, "Buildfile");
  return BuildGraph(ast, options);
}

std::string ResolveError(std::string_view text, GraphOptions options = FixedPlatform()) {
  try {
    Resolve(text, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const Instruction& StepAt(const Graph& graph, int stage, int step) {
  return graph.stages.at(stage).steps.at(step).instruction;
}

template <typename T>
const T& CommandAt(const Graph& graph, int stage, int step) {
  return std::get<T>(StepAt(graph, stage, step).command);
}

TEST(GraphTest, GlobalArgsExpandInFrom) {
  Graph graph = Resolve("ARG VERSION=1.22\nARG IMAGE=golang:${VERSION}\nFROM ${IMAGE}-alpine AS build\n");
  ASSERT_EQ(graph.stages.size(), 1u);
  EXPECT_EQ(graph.stages[0].from.image, "golang:1.22-alpine");
  EXPECT_EQ(graph.stages[0].name, "build");
  ASSERT_EQ(graph.global_args.size(), 2u);
  EXPECT_EQ(graph.global_args[1].value, "golang:1.22");
}

TEST(GraphTest, BuildArgOverridesGlobalDefault) {
  GraphOptions options = FixedPlatform();
  options.build_args["VERSION"] = "1.23";
  Graph graph = Resolve("ARG VERSION=1.22\nFROM golang:$VERSION\n", options);
  EXPECT_EQ(graph.stages[0].from.image, "golang:1.23");
}

TEST(GraphTest, AutomaticPlatformArgsWorkInFromWithoutDeclaration) {
  Graph graph = Resolve("FROM --platform=$BUILDPLATFORM golang AS build\nFROM alpine:$TARGETARCH\n");
  EXPECT_EQ(graph.stages[0].from.platform, "linux/amd64");
  EXPECT_EQ(graph.stages[1].from.image, "alpine:arm64");
}

TEST(GraphTest, GlobalArgIsInvisibleInStageUntilRedeclared) {
  Graph graph = Resolve("ARG V=1\nFROM a\nENV X=[$V]\nARG V\nENV Y=[$V]\n");
  EXPECT_EQ(CommandAt<EnvCommand>(graph, 0, 0).vars[0].value, "[]");
  EXPECT_EQ(CommandAt<EnvCommand>(graph, 0, 2).vars[0].value, "[1]");
}

// How an ARG redeclared without a value resolves (BuildKit's dispatchArg:
// a build arg, else the global ARG's value, else what the stage had).
struct RedeclaredArgCase {
  const char* name;
  const char* recipe;  // ends with a LABEL v=[$V]
  std::map<std::string, std::string> build_args;
  const char* expected;  // the label's value

  friend void PrintTo(const RedeclaredArgCase& c, std::ostream* out) { *out << c.recipe; }
};

class RedeclaredArgTest : public ::testing::TestWithParam<RedeclaredArgCase> {};

TEST_P(RedeclaredArgTest, LabelSeesTheValue) {
  GraphOptions options = FixedPlatform();
  options.build_args = GetParam().build_args;
  Graph graph = Resolve(GetParam().recipe, options);
  const std::vector<Step>& steps = graph.stages.back().steps;
  EXPECT_EQ(std::get<LabelCommand>(steps.back().instruction.command).labels[0].value,
            GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    GraphTest, RedeclaredArgTest,
    ::testing::Values(
        RedeclaredArgCase{"StageDefaultKept", "FROM a\nARG V=1\nARG V\nLABEL v=[$V]\n", {}, "[1]"},
        RedeclaredArgCase{"StageDefaultKeptAcrossLines",
                          "FROM a\nARG V=1\nRUN true\nARG W V\nLABEL v=[$V]\n", {}, "[1]"},
        RedeclaredArgCase{"NewDefaultReplaces", "FROM a\nARG V=1\nARG V=2\nLABEL v=[$V]\n", {},
                          "[2]"},
        RedeclaredArgCase{"BuildArgWins", "FROM a\nARG V=1\nARG V\nLABEL v=[$V]\n",
                          {{"V", "cli"}}, "[cli]"},
        RedeclaredArgCase{"GlobalValueWins", "ARG V=g\nFROM a\nARG V=1\nARG V\nLABEL v=[$V]\n",
                          {}, "[g]"},
        RedeclaredArgCase{"GlobalWithoutValueKeepsStageValue",
                          "ARG V\nFROM a\nARG V=1\nARG V\nLABEL v=[$V]\n", {}, "[1]"},
        RedeclaredArgCase{"GlobalThenStageDeclaration", "ARG V=1\nFROM a\nARG V\nLABEL v=[$V]\n",
                          {}, "[1]"},
        RedeclaredArgCase{"GlobalRedeclaredWithoutValueKeepsIt",
                          "ARG V=1\nARG V\nFROM a\nARG V\nLABEL v=[$V]\n", {}, "[1]"},
        RedeclaredArgCase{"GlobalWithoutValueKeepsAutomaticArg",
                          "ARG TARGETARCH\nFROM a\nARG TARGETARCH\nLABEL v=[$TARGETARCH]\n", {},
                          "[arm64]"},
        RedeclaredArgCase{"UndeclaredStaysEmpty", "FROM a\nARG V\nLABEL v=[$V]\n", {}, "[]"}),
    [](const ::testing::TestParamInfo<RedeclaredArgCase>& info) { return info.param.name; });

TEST(GraphTest, RedeclaredArgKeepsItsPlaceAndValueForRun) {
  Graph graph = Resolve("FROM a\nARG A=1 B=2\nARG A\nRUN true\n");
  std::vector<std::pair<std::string, std::string>> args;
  for (const KeyValue& kv : graph.stages[0].steps[2].build_args) args.emplace_back(kv.key, kv.value);
  EXPECT_THAT(args, ElementsAre(std::pair<std::string, std::string>("A", "1"),
                                std::pair<std::string, std::string>("B", "2")));
}

TEST(GraphTest, GlobalArgWithoutValueLeavesAutomaticArgForFrom) {
  Graph graph = Resolve("ARG TARGETARCH\nFROM alpine:$TARGETARCH\n");
  EXPECT_EQ(graph.stages[0].from.image, "alpine:arm64");
}

TEST(GraphTest, StageArgDefaultAndBuildArgOverride) {
  GraphOptions options = FixedPlatform();
  options.build_args["B"] = "from-cli";
  Graph graph = Resolve("FROM a\nARG A=default B=ignored\nWORKDIR /$A/$B\n", options);
  EXPECT_EQ(CommandAt<WorkdirCommand>(graph, 0, 1).path, "/default/from-cli");
  const Step& workdir = graph.stages[0].steps[1];
  EXPECT_THAT(workdir.used_args, ElementsAre("A", "B"));
  EXPECT_THAT(workdir.build_args, ::testing::SizeIs(2));
}

TEST(GraphTest, EnvOverridesArgOfTheSameName) {
  Graph graph = Resolve("FROM a\nENV X=env\nARG X=arg\nUSER $X\n");
  EXPECT_EQ(CommandAt<UserCommand>(graph, 0, 2).user, "env");
  EXPECT_TRUE(graph.stages[0].steps[2].used_args.empty());
}

TEST(GraphTest, EnvPairsExpandWithValuesFromBeforeTheInstruction) {
  Graph graph = Resolve("FROM a\nENV A=1\nENV A=2 B=$A\nENV C=$A\n");
  EXPECT_EQ(CommandAt<EnvCommand>(graph, 0, 1).vars[1].value, "1");
  EXPECT_EQ(CommandAt<EnvCommand>(graph, 0, 2).vars[0].value, "2");
}

TEST(GraphTest, DeclaredAutomaticArgGetsItsValueInStage) {
  Graph graph = Resolve("FROM a\nARG TARGETOS TARGETARCH\nLABEL p=$TARGETOS/$TARGETARCH\n");
  EXPECT_EQ(CommandAt<LabelCommand>(graph, 0, 1).labels[0].value, "linux/arm64");
}

TEST(GraphTest, RunTextIsNotExpanded) {
  Graph graph = Resolve("FROM a\nARG X=1\nRUN echo $X\n");
  EXPECT_EQ(CommandAt<RunCommand>(graph, 0, 1).command.args[0], "echo $X");
  EXPECT_THAT(graph.stages[0].steps[1].build_args, ElementsAre(::testing::Field(&KeyValue::key, "X")));
}

TEST(GraphTest, ProxyArgsReachRunWithoutDeclaration) {
  GraphOptions options = FixedPlatform();
  options.build_args["HTTP_PROXY"] = "http://proxy:3128";
  Graph graph = Resolve("FROM a\nRUN true\n", options);
  const std::vector<KeyValue>& args = graph.stages[0].steps[0].build_args;
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0].key, "HTTP_PROXY");
  EXPECT_TRUE(graph.warnings.empty());
  EXPECT_TRUE(IsProxyArg("no_proxy"));
  EXPECT_FALSE(IsProxyArg("PATH"));
}

TEST(GraphTest, WarnsAboutUnusedBuildArgs) {
  GraphOptions options = FixedPlatform();
  options.build_args["NOPE"] = "1";
  Graph graph = Resolve("FROM a\n", options);
  ASSERT_EQ(graph.warnings.size(), 1u);
  EXPECT_THAT(graph.warnings[0].message, HasSubstr("not consumed: NOPE"));
}

TEST(GraphTest, StagesInheritEnvFromTheirBaseStage) {
  Graph graph = Resolve("FROM a AS base\nENV DIR=/srv\nFROM base\nWORKDIR $DIR/app\n");
  EXPECT_EQ(graph.stages[1].base_stage, 0);
  EXPECT_EQ(CommandAt<WorkdirCommand>(graph, 1, 0).path, "/srv/app");
}

TEST(GraphTest, ResolverSuppliesImageEnvAndOnbuildTriggers) {
  GraphOptions options = FixedPlatform();
  options.resolve_base = [](const std::string& image, const std::string&) {
    EXPECT_EQ(image, "node:20");
    return BaseImageInfo{{"PATH=/usr/bin", "HOME=/root"}, {"COPY . /app", "RUN npm ci"}};
  };
  Graph graph = Resolve("FROM node:20\nWORKDIR $HOME/x\n", options);
  const Stage& stage = graph.stages[0];
  ASSERT_EQ(stage.steps.size(), 3u);
  EXPECT_TRUE(stage.steps[0].from_onbuild);
  EXPECT_EQ(stage.steps[0].instruction.keyword, "COPY");
  EXPECT_TRUE(stage.steps[1].from_onbuild);
  EXPECT_FALSE(stage.steps[2].from_onbuild);
  EXPECT_EQ(CommandAt<WorkdirCommand>(graph, 0, 2).path, "/root/x");
}

TEST(GraphTest, ChildStageRunsParentStageOnbuildTriggers) {
  Graph graph = Resolve("FROM a AS base\nONBUILD RUN echo triggered\nFROM base\nRUN echo child\n");
  const Stage& child = graph.stages[1];
  ASSERT_EQ(child.steps.size(), 2u);
  EXPECT_TRUE(child.steps[0].from_onbuild);
  EXPECT_EQ(CommandAt<RunCommand>(graph, 1, 0).command.args[0], "echo triggered");
}

TEST(GraphTest, DependenciesFromCopyAndMounts) {
  Graph graph = Resolve(
      "FROM golang AS build\nFROM node AS assets\nFROM alpine\n"
      "COPY --from=build /bin/app /app\nCOPY --from=1 /dist /dist\n"
      "RUN --mount=type=bind,from=build,target=/src true\nCOPY --from=nginx:1.25 /etc/nginx /etc/nginx\n");
  EXPECT_THAT(graph.stages[2].dependencies, ElementsAre(0, 1));
  EXPECT_THAT(graph.stages[2].image_dependencies, ElementsAre("nginx:1.25"));
  EXPECT_EQ(graph.target, 2);
  EXPECT_THAT(graph.required, ElementsAre(0, 1, 2));
  ASSERT_EQ(graph.waves.size(), 2u);
  EXPECT_THAT(graph.waves[0], ElementsAre(0, 1));
  EXPECT_THAT(graph.waves[1], ElementsAre(2));
}

TEST(GraphTest, FromArgExpandsBeforeStageLookup) {
  Graph graph = Resolve("FROM a AS one\nFROM b\nARG SRC=one\nCOPY --from=$SRC /x /x\n");
  EXPECT_THAT(graph.stages[1].dependencies, ElementsAre(0));
}

TEST(GraphTest, TargetPrunesUnneededStages) {
  GraphOptions options = FixedPlatform();
  options.target = "Test";
  Graph graph = Resolve("FROM a AS base\nFROM base AS test\nFROM b AS docs\nFROM base AS release\n", options);
  EXPECT_EQ(graph.target, 1);
  EXPECT_THAT(graph.required, ElementsAre(0, 1));
  EXPECT_THAT(graph.waves, ElementsAre(ElementsAre(0), ElementsAre(1)));
}

TEST(GraphTest, DiamondGivesThreeWaves) {
  Graph graph = Resolve(
      "FROM a AS base\nFROM base AS left\nFROM base AS right\nFROM c\n"
      "COPY --from=left /l /l\nCOPY --from=right /r /r\n");
  EXPECT_THAT(graph.waves, ElementsAre(ElementsAre(0), ElementsAre(1, 2), ElementsAre(3)));
}

TEST(GraphTest, UnknownTargetIsAnErrorListingStages) {
  GraphOptions options = FixedPlatform();
  options.target = "relase";
  std::string error = ResolveError("FROM a AS build\nFROM b AS release\n", options);
  EXPECT_THAT(error, HasSubstr("target stage \"relase\" could not be found"));
  EXPECT_THAT(error, HasSubstr("build, release"));
}

TEST(GraphTest, StageIndexOutOfRangeIsAnError) {
  std::string error = ResolveError("FROM a\nCOPY --from=3 /x /x\n");
  EXPECT_THAT(error, HasSubstr("Buildfile:2:1: COPY refers to stage 3, but the recipe has only 1 stage(s)"));
}

TEST(GraphTest, SelfReferenceIsACycle) {
  EXPECT_THAT(ResolveError("FROM a AS one\nCOPY --from=one /x /x\n"),
              HasSubstr("circular dependency detected on stage \"one\""));
}

TEST(GraphTest, CopyCycleIsDetected) {
  EXPECT_THAT(ResolveError("FROM a AS one\nCOPY --from=two /x /x\nFROM b AS two\nCOPY --from=one /y /y\n"),
              HasSubstr("circular dependency detected"));
}

TEST(GraphTest, DuplicateStageNameIsAnError) {
  EXPECT_THAT(ResolveError("FROM a AS x\nFROM b AS X\n"),
              HasSubstr("Buildfile:2:1: duplicate stage name \"x\": already used by the stage on line 1"));
}

TEST(GraphTest, MissingFromIsAnError) {
  EXPECT_THAT(ResolveError("ARG A=1\n"), HasSubstr("no FROM instruction"));
  EXPECT_THAT(ResolveError("ARG A=1\nRUN true\nFROM a\n"),
              HasSubstr("Buildfile:2:1: RUN before the first FROM: only ARG may come before FROM"));
}

TEST(GraphTest, FailedExpansionNamesTheLine) {
  EXPECT_THAT(ResolveError("FROM a\nWORKDIR ${MISSING:?must be set}\n"), HasSubstr("Buildfile:2:"));
  EXPECT_THAT(ResolveError("ARG X\nFROM ${X:?needs X}\n"), HasSubstr("Buildfile:2:"));
}

TEST(GraphTest, ParsesRecipeFromFile) {
  EXPECT_THROW(ParseRecipeFile("/nonexistent/Buildfile"), Error);
}

}  // namespace
}  // namespace imgbuild::parser
