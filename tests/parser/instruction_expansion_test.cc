// ExpandInstruction: exactly the fields Docker expands, and the checks it
// makes on the expanded values.
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "parser/instructions.h"

namespace imgbuild::parser {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Vars = std::map<std::string, std::string, std::less<>>;

VarLookup LookupIn(const Vars& vars) {
  return [&vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// The last instruction of `recipe`, typed and expanded with `vars`.
Instruction Expanded(std::string_view recipe, const Vars& vars, std::set<std::string>* used = nullptr) {
  Ast ast = ParseAst(recipe, "Buildfile");
  Instruction instruction = ParseInstruction(ast.instructions.back(), ast);
  ExpandInstruction(instruction, WordExpander(ast.directives.escape), LookupIn(vars), ast, used);
  return instruction;
}

template <typename T>
T ExpandedAs(std::string_view recipe, const Vars& vars) {
  return std::get<T>(Expanded(recipe, vars).command);
}

ParseError ExpandErrorOf(std::string_view recipe, const Vars& vars) {
  try {
    Expanded(recipe, vars);
  } catch (const ParseError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << recipe;
  return ParseError("", {}, "", "");
}

const Vars kVars = {{"APP", "/srv/app"}, {"USER", "app"}, {"MODE", "0750"}, {"STAGE", "build"},
                    {"TAG", "3.20"},     {"ARCH", "linux/arm64"}, {"SPACED", "a b"}, {"EMPTY", ""}};

TEST(ExpandCopyTest, SourcesDestinationAndFlags) {
  CopyCommand copy = ExpandedAs<CopyCommand>(
      "FROM a\nCOPY --from=$STAGE --chown=${USER}:${USER} --chmod=$MODE $APP/bin \"${APP}\"/lib /opt/",
      kVars);
  EXPECT_THAT(copy.sources, ElementsAre("/srv/app/bin", "/srv/app/lib"));
  EXPECT_EQ(copy.destination, "/opt/");
  EXPECT_EQ(copy.from, "build");
  EXPECT_EQ(copy.chown, "app:app");
  EXPECT_EQ(copy.chmod, "0750");
}

TEST(ExpandCopyTest, JsonFormKeepsSpacesButShellFormSplitsInsideQuotes) {
  CopyCommand json = ExpandedAs<CopyCommand>("FROM a\nCOPY [\"$APP/my dir\", \"/opt/\"]", kVars);
  EXPECT_THAT(json.sources, ElementsAre("/srv/app/my dir"));
  // As in BuildKit: the shell form is split at whitespace before quotes mean anything.
  EXPECT_THAT(ExpandErrorOf("FROM a\nCOPY \"$APP/my dir\" /opt/", kVars).message(),
              HasSubstr("COPY: failed to expand variables: unterminated double quote"));
}

TEST(ExpandCopyTest, AddChecksumIsExpandedAndChecked) {
  std::string sum = "sha256:" + std::string(64, 'f');
  CopyCommand add = ExpandedAs<CopyCommand>("FROM a\nADD --checksum=$SUM https://x/y.tgz /", {{"SUM", sum}});
  EXPECT_EQ(add.checksum, sum);
  EXPECT_THAT(ExpandErrorOf("FROM a\nADD --checksum=$SUM https://x/y.tgz /", {{"SUM", "sha256:1"}}).message(),
              HasSubstr("ADD: invalid checksum \"sha256:1\""));
}

TEST(ExpandCopyTest, ChmodIsCheckedAfterExpansion) {
  ParseError error = ExpandErrorOf("FROM a\n\nCOPY --chmod=$MODE a b", {{"MODE", "999"}});
  EXPECT_THAT(error.message(), HasSubstr("COPY: invalid --chmod value \"999\""));
  EXPECT_EQ(error.where().line, 3);
  EXPECT_EQ(error.where().column, 1);
}

TEST(ExpandCopyTest, HeredocBodyExpandsUnlessTheDelimiterIsQuoted) {
  CopyCommand plain = ExpandedAs<CopyCommand>("FROM a\nCOPY <<EOF /etc/app.conf\nroot=$APP\nEOF\n", kVars);
  EXPECT_THAT(plain.sources, ElementsAre("<<EOF"));
  EXPECT_EQ(plain.heredocs[0].content, "root=/srv/app\n");
  CopyCommand quoted = ExpandedAs<CopyCommand>("FROM a\nCOPY <<\"EOF\" /etc/app.conf\nroot=$APP\nEOF\n", kVars);
  EXPECT_THAT(quoted.sources, ElementsAre("<<\"EOF\""));
  EXPECT_EQ(quoted.heredocs[0].content, "root=$APP\n");
}

TEST(ExpandCopyTest, HeredocBodyKeepsQuotesAndUsesBackslashAsEscape) {
  CopyCommand copy = ExpandedAs<CopyCommand>(
      "# escape=`\nFROM a\nCOPY <<EOF /x\necho \"$USER\" '$USER' \\$USER ${EMPTY:-\"d\"}\nEOF\n", kVars);
  EXPECT_EQ(copy.heredocs[0].content, "echo \"app\" 'app' $USER \"d\"\n");
}

TEST(ExpandEnvTest, KeysAndValues) {
  EnvCommand env = ExpandedAs<EnvCommand>(
      "FROM a\nENV ${USER}_HOME=$APP GREETING=\"hello $USER\" LITERAL='$APP' ESCAPED=\\$APP", kVars);
  ASSERT_EQ(env.vars.size(), 4u);
  EXPECT_EQ(env.vars[0].key, "app_HOME");
  EXPECT_EQ(env.vars[0].value, "/srv/app");
  EXPECT_EQ(env.vars[1].value, "hello app");
  EXPECT_EQ(env.vars[2].value, "$APP");
  EXPECT_EQ(env.vars[3].value, "$APP");
}

TEST(ExpandEnvTest, LegacyValueIsOneWord) {
  EnvCommand env = ExpandedAs<EnvCommand>("FROM a\nENV PATH $APP/bin:$SPACED  x", kVars);
  EXPECT_EQ(env.vars[0].value, "/srv/app/bin:a b  x");
}

TEST(ExpandLabelTest, KeysAndValues) {
  LabelCommand label = ExpandedAs<LabelCommand>("FROM a\nLABEL \"com.$USER.tag\"=\"$TAG\" v=${SPACED}", kVars);
  EXPECT_EQ(label.labels[0].key, "com.app.tag");
  EXPECT_EQ(label.labels[0].value, "3.20");
  EXPECT_EQ(label.labels[1].value, "a b");
}

TEST(ExpandExposeTest, OneVariableMayHoldSeveralPorts) {
  ExposeCommand expose = ExpandedAs<ExposeCommand>("FROM a\nEXPOSE $PORTS 9000/UDP", {{"PORTS", "80 443/tcp"}});
  EXPECT_THAT(expose.ports, ElementsAre("80", "443/tcp", "9000/udp"));
}

TEST(ExpandExposeTest, PortsAreCheckedAfterExpansion) {
  EXPECT_THAT(ExpandErrorOf("FROM a\nEXPOSE $P", {{"P", "http"}}).message(),
              HasSubstr("EXPOSE: invalid port \"http\" for EXPOSE"));
  EXPECT_THAT(ExpandErrorOf("FROM a\nEXPOSE $P", {{"P", "9000-8000"}}).message(),
              HasSubstr("the range ends before it starts"));
  EXPECT_THAT(ExpandErrorOf("FROM a\nEXPOSE $P", {{"P", "8080:80"}}).message(),
              HasSubstr("EXPOSE takes container ports only"));
}

TEST(ExpandFromTest, ImageAndPlatform) {
  FromCommand from = ExpandedAs<FromCommand>("FROM --platform=$ARCH alpine:${TAG} AS base", kVars);
  EXPECT_EQ(from.image, "alpine:3.20");
  EXPECT_EQ(from.platform, "linux/arm64");
  EXPECT_EQ(from.stage_name, "base");
  EXPECT_EQ(ExpandErrorOf("FROM ${EMPTY}", kVars).message(), "FROM: base name (${EMPTY}) should not be blank");
}

TEST(ExpandSingleValueTest, UserWorkdirStopsignalVolume) {
  EXPECT_EQ(ExpandedAs<UserCommand>("FROM a\nUSER ${USER}:${USER}", kVars).user, "app:app");
  EXPECT_EQ(ExpandedAs<WorkdirCommand>("FROM a\nWORKDIR \"$APP/my dir\"", kVars).path, "/srv/app/my dir");
  EXPECT_EQ(ExpandedAs<StopsignalCommand>("FROM a\nSTOPSIGNAL $S", {{"S", "SIGRTMIN+3"}}).signal, "SIGRTMIN+3");
  EXPECT_THAT(ExpandedAs<VolumeCommand>("FROM a\nVOLUME [\"$APP/data\", \"/logs\"]", kVars).paths,
              ElementsAre("/srv/app/data", "/logs"));
}

TEST(ExpandSingleValueTest, ChecksAfterExpansion) {
  EXPECT_THAT(ExpandErrorOf("FROM a\nSTOPSIGNAL $S", {{"S", "SIGNOPE"}}).message(),
              HasSubstr("STOPSIGNAL: invalid signal \"SIGNOPE\""));
  EXPECT_EQ(ExpandErrorOf("FROM a\nVOLUME $EMPTY", kVars).message(),
            "VOLUME: VOLUME specified can not be an empty string");
}

TEST(ExpandArgTest, DefaultsOnly) {
  ArgCommand arg = ExpandedAs<ArgCommand>("ARG DIR=$APP/x NAME \"QUOTED\"=\"$USER\"", kVars);
  EXPECT_EQ(arg.args[0].default_value, "/srv/app/x");
  EXPECT_EQ(arg.args[1].default_value, std::nullopt);
  EXPECT_EQ(arg.args[2].name, "\"QUOTED\"");
  EXPECT_EQ(arg.args[2].default_value, "app");
}

TEST(ExpandRunTest, MountValuesButNotTheCommand) {
  RunCommand run = ExpandedAs<RunCommand>(
      "FROM a\nRUN --mount=type=$T,id=cache-$USER,target=$APP/.cache,uid=$UID,mode=$MODE echo $APP",
      {{"T", "cache"}, {"USER", "app"}, {"APP", "/srv"}, {"UID", "1000"}, {"MODE", "0700"}});
  EXPECT_THAT(run.command.args, ElementsAre("echo $APP"));
  ASSERT_EQ(run.mounts.size(), 1u);
  EXPECT_EQ(run.mounts[0].type, Mount::Type::kCache);
  EXPECT_EQ(run.mounts[0].id, "cache-app");
  EXPECT_EQ(run.mounts[0].target, "/srv/.cache");
  EXPECT_EQ(run.mounts[0].uid, 1000u);
  EXPECT_EQ(run.mounts[0].mode, 0700u);
}

TEST(ExpandRunTest, MountValuesAreCheckedAfterExpansion) {
  EXPECT_THAT(ExpandErrorOf("FROM a\nRUN --mount=type=cache,target=/c,uid=$UID make", {{"UID", "bob"}}).message(),
              HasSubstr("RUN: invalid --mount=type=cache,target=/c,uid=$UID: invalid value bob for uid"));
}

TEST(ExpandUnexpandedTest, CommandsAndTriggersStayAsWritten) {
  EXPECT_THAT(ExpandedAs<CmdCommand>("FROM a\nCMD echo $APP", kVars).command.args, ElementsAre("echo $APP"));
  EXPECT_THAT(ExpandedAs<EntrypointCommand>("FROM a\nENTRYPOINT [\"$APP\"]", kVars).command.args,
              ElementsAre("$APP"));
  EXPECT_THAT(ExpandedAs<ShellCommand>("FROM a\nSHELL [\"$APP\"]", kVars).shell, ElementsAre("$APP"));
  EXPECT_THAT(ExpandedAs<HealthcheckCommand>("FROM a\nHEALTHCHECK CMD $APP", kVars).test.args, ElementsAre("$APP"));
  EXPECT_EQ(ExpandedAs<OnbuildCommand>("FROM a\nONBUILD ENV X=$APP", kVars).expression, "ENV X=$APP");
  EXPECT_EQ(ExpandedAs<MaintainerCommand>("FROM a\nMAINTAINER $USER", kVars).name, "$USER");
}

TEST(ExpandUsedTest, NamesLookedUpAreRecorded) {
  std::set<std::string> used;
  Expanded("FROM a\nCOPY --chown=$USER ${APP:-x} $NOPE /d", kVars, &used);
  EXPECT_THAT(used, ElementsAre("APP", "NOPE", "USER"));
  std::set<std::string> none;
  Expanded("FROM a\nRUN echo $APP", kVars, &none);
  EXPECT_TRUE(none.empty());
}

TEST(ExpandErrorTest, ExpansionErrorPointsAtTheInstruction) {
  ParseError error = ExpandErrorOf("FROM a\n  WORKDIR ${MISSING:?set MISSING to the app dir}", kVars);
  EXPECT_THAT(error.message(), HasSubstr("WORKDIR: failed to expand variables:"));
  EXPECT_THAT(error.message(), HasSubstr("set MISSING to the app dir"));
  EXPECT_EQ(error.where().line, 2);
  EXPECT_EQ(error.where().column, 3);
  EXPECT_THAT(error.what(), HasSubstr("Buildfile:2:3: WORKDIR"));
}

}  // namespace
}  // namespace imgbuild::parser
