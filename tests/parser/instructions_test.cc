// ParseInstruction, recipe by recipe: every keyword, every flag and every
// error Docker gives for them.
#include "parser/instructions.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imgbuild::parser {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The typed form of the last instruction of `recipe`.
Instruction Parse(std::string_view recipe) {
  Ast ast = ParseAst(recipe, "Buildfile");
  return ParseInstruction(ast.instructions.back(), ast);
}

template <typename T>
T ParseAs(std::string_view recipe) {
  return std::get<T>(Parse(recipe).command);
}

// The ParseError of typing every instruction of `recipe`; fails the test
// when there is none.
ParseError ErrorOf(std::string_view recipe) {
  Ast ast = ParseAst(recipe, "Buildfile");
  try {
    for (const RawInstruction& raw : ast.instructions) ParseInstruction(raw, ast);
  } catch (const ParseError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << recipe;
  return ParseError("", {}, "", "");
}

std::string MessageOf(std::string_view recipe) { return ErrorOf(recipe).message(); }

// ---- FROM ----

TEST(FromTest, ImageOnly) {
  FromCommand from = ParseAs<FromCommand>("FROM golang:1.22");
  EXPECT_EQ(from.image, "golang:1.22");
  EXPECT_EQ(from.stage_name, "");
  EXPECT_EQ(from.platform, "");
}

TEST(FromTest, StageNameIsLowerCasedAndAsIsCaseInsensitive) {
  FromCommand from = ParseAs<FromCommand>("FROM golang:1.22 as Build-Env_1.x");
  EXPECT_EQ(from.stage_name, "build-env_1.x");
  EXPECT_EQ(ParseAs<FromCommand>("FROM a AS b").stage_name, "b");
}

TEST(FromTest, PlatformFlag) {
  FromCommand from = ParseAs<FromCommand>("FROM --platform=$BUILDPLATFORM alpine AS tools");
  EXPECT_EQ(from.platform, "$BUILDPLATFORM");
  EXPECT_EQ(from.image, "alpine");
}

TEST(FromTest, InstructionKeepsKeywordRangeAndOriginal) {
  Instruction from = Parse("# c\nfrom   alpine  \\\n  AS base\n");
  EXPECT_EQ(from.keyword, "FROM");
  EXPECT_EQ(from.keyword_at.line, 2);
  EXPECT_EQ(from.range.start_line, 2);
  EXPECT_EQ(from.range.end_line, 3);
  EXPECT_EQ(from.original, "from   alpine    AS base");
}

TEST(FromTest, StageNameMustStartWithALetter) {
  ParseError error = ErrorOf("FROM alpine AS 1st");
  EXPECT_THAT(error.message(), HasSubstr("invalid name for build stage: \"1st\""));
  EXPECT_EQ(error.where().line, 1);
  EXPECT_EQ(error.where().column, 6);
  EXPECT_THAT(MessageOf("FROM alpine AS my/stage"), HasSubstr("can't start with a number or contain symbols"));
}

TEST(FromTest, WrongArgumentCounts) {
  EXPECT_THAT(MessageOf("FROM"), HasSubstr("FROM requires either one or three arguments"));
  EXPECT_THAT(MessageOf("FROM a AS"), HasSubstr("FROM requires either one or three arguments"));
  EXPECT_THAT(MessageOf("FROM a FOR b"), HasSubstr("FROM requires either one or three arguments"));
}

TEST(FromTest, UnknownFlag) {
  ParseError error = ErrorOf("FROM --platfrom=linux/amd64 alpine");
  EXPECT_EQ(error.message(),
            "unknown flag --platfrom for FROM; did you mean --platform? (FROM accepts --platform)");
  EXPECT_EQ(error.where().column, 6);
}

// ---- RUN ----

TEST(RunTest, ShellFormIsOneArgument) {
  RunCommand run = ParseAs<RunCommand>("FROM a\nRUN apt-get update && \\\n    apt-get install -y curl");
  EXPECT_TRUE(run.command.shell_form);
  EXPECT_THAT(run.command.args, ElementsAre("apt-get update &&     apt-get install -y curl"));
  EXPECT_TRUE(run.mounts.empty());
  EXPECT_EQ(run.network, "");
  EXPECT_EQ(run.security, "");
}

TEST(RunTest, ExecForm) {
  RunCommand run = ParseAs<RunCommand>("FROM a\nRUN [\"echo\", \"hello world\"]");
  EXPECT_FALSE(run.command.shell_form);
  EXPECT_THAT(run.command.args, ElementsAre("echo", "hello world"));
}

TEST(RunTest, NotQuiteJsonIsShellForm) {
  RunCommand run = ParseAs<RunCommand>("FROM a\nRUN [ -f /etc/passwd ] && echo yes");
  EXPECT_TRUE(run.command.shell_form);
  EXPECT_THAT(run.command.args, ElementsAre("[ -f /etc/passwd ] && echo yes"));
}

TEST(RunTest, JsonArrayOfNonStringsIsAnError) {
  EXPECT_EQ(MessageOf("FROM a\nRUN [\"echo\", 1]"),
            "when using JSON array syntax, arrays must be comprised of strings only");
}

TEST(RunTest, HeredocsAreAttached) {
  RunCommand run = ParseAs<RunCommand>("FROM a\nRUN <<EOF\necho hi\nEOF\n");
  EXPECT_THAT(run.command.args, ElementsAre("<<EOF"));
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].content, "echo hi\n");
}

TEST(RunTest, NeedsACommand) {
  EXPECT_THAT(MessageOf("FROM a\nRUN --network=none"), HasSubstr("RUN requires at least one argument"));
  EXPECT_THAT(MessageOf("FROM a\nRUN []"), HasSubstr("RUN requires at least one argument"));
}

TEST(RunTest, NetworkAndSecurity) {
  RunCommand run = ParseAs<RunCommand>("FROM a\nRUN --network=host --security=insecure make");
  EXPECT_EQ(run.network, "host");
  EXPECT_EQ(run.security, "insecure");
  EXPECT_EQ(ParseAs<RunCommand>("FROM a\nRUN --network=none x").network, "none");
  EXPECT_EQ(ParseAs<RunCommand>("FROM a\nRUN --network=default x").network, "default");
  EXPECT_EQ(ParseAs<RunCommand>("FROM a\nRUN --security=sandbox x").security, "sandbox");
}

TEST(RunTest, BadNetworkOrSecurity) {
  ParseError network = ErrorOf("FROM a\nRUN --network=bridge make");
  EXPECT_EQ(network.message(), "invalid value \"bridge\" for --network (use one of: default, none, host)");
  EXPECT_EQ(network.where().column, 5);
  EXPECT_EQ(MessageOf("FROM a\nRUN --security=privileged make"),
            "invalid value \"privileged\" for --security (use one of: sandbox, insecure)");
  EXPECT_THAT(MessageOf("FROM a\nRUN --network make"), HasSubstr("missing a value on flag --network"));
}

TEST(RunTest, MountsInOrder) {
  RunCommand run = ParseAs<RunCommand>(
      "FROM a\nRUN --mount=type=cache,target=/root/.cache --mount=type=bind,source=go.sum,target=go.sum "
      "go build");
  ASSERT_EQ(run.mounts.size(), 2u);
  EXPECT_EQ(run.mounts[0].type, Mount::Type::kCache);
  EXPECT_EQ(run.mounts[1].source, "go.sum");
  EXPECT_EQ(run.mounts[1].spec, "type=bind,source=go.sum,target=go.sum");
}

TEST(RunTest, BadMountPointsAtItsFlag) {
  ParseError error = ErrorOf("FROM a\nRUN --mount=type=cache,target=/a --mount=type=cahce,target=/b make");
  EXPECT_THAT(error.message(), HasSubstr("unsupported mount type \"cahce\"; did you mean cache?"));
  EXPECT_EQ(error.where().line, 2);
  EXPECT_EQ(error.where().column, 34);
}

TEST(RunTest, UnknownFlagListsTheAcceptedOnes) {
  EXPECT_EQ(MessageOf("FROM a\nRUN --mnt=type=cache make"),
            "unknown flag --mnt for RUN; did you mean --mount? (RUN accepts --mount, --network and "
            "--security)");
}

// ---- CMD, ENTRYPOINT, SHELL ----

TEST(CmdTest, ShellAndExecForms) {
  CmdCommand shell = ParseAs<CmdCommand>("FROM a\nCMD node server.js");
  EXPECT_TRUE(shell.command.shell_form);
  EXPECT_THAT(shell.command.args, ElementsAre("node server.js"));
  CmdCommand exec = ParseAs<CmdCommand>("FROM a\nCMD [\"node\", \"server.js\"]");
  EXPECT_FALSE(exec.command.shell_form);
  EXPECT_THAT(exec.command.args, ElementsAre("node", "server.js"));
}

TEST(CmdTest, EmptyJsonClearsButNothingAtAllIsAnError) {
  CmdCommand cleared = ParseAs<CmdCommand>("FROM a\nCMD []");
  EXPECT_FALSE(cleared.command.shell_form);
  EXPECT_TRUE(cleared.command.args.empty());
  EXPECT_EQ(MessageOf("FROM a\nCMD"), "CMD requires at least one argument (write CMD [] to clear it)");
}

TEST(CmdTest, TakesNoFlags) {
  EXPECT_EQ(MessageOf("FROM a\nCMD --x=1 run"), "unknown flag --x for CMD: CMD takes no flags");
}

TEST(EntrypointTest, ShellAndExecForms) {
  EntrypointCommand shell = ParseAs<EntrypointCommand>("FROM a\nENTRYPOINT exec nginx -g 'daemon off;'");
  EXPECT_THAT(shell.command.args, ElementsAre("exec nginx -g 'daemon off;'"));
  EntrypointCommand exec = ParseAs<EntrypointCommand>("FROM a\nENTRYPOINT [\"/sbin/tini\", \"--\"]");
  EXPECT_THAT(exec.command.args, ElementsAre("/sbin/tini", "--"));
  EXPECT_TRUE(ParseAs<EntrypointCommand>("FROM a\nENTRYPOINT []").command.args.empty());
  EXPECT_THAT(MessageOf("FROM a\nENTRYPOINT"), HasSubstr("ENTRYPOINT requires at least one argument"));
}

TEST(ShellTest, JsonOnly) {
  ShellCommand shell = ParseAs<ShellCommand>("FROM a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]");
  EXPECT_THAT(shell.shell, ElementsAre("/bin/bash", "-o", "pipefail", "-c"));
  EXPECT_THAT(MessageOf("FROM a\nSHELL /bin/bash -c"),
              HasSubstr("SHELL requires the arguments to be in JSON form"));
  EXPECT_EQ(MessageOf("FROM a\nSHELL []"), "SHELL requires at least one argument");
  EXPECT_EQ(MessageOf("FROM a\nSHELL"), "SHELL requires at least one argument");
}

// ---- LABEL and ENV ----

TEST(EnvTest, PairsKeepQuotesUntilExpansion) {
  EnvCommand env = ParseAs<EnvCommand>("FROM a\nENV A=1 B=\"two words\" C='$HOME' D=x\\ y E=");
  ASSERT_EQ(env.vars.size(), 5u);
  EXPECT_EQ(env.vars[0].key, "A");
  EXPECT_EQ(env.vars[0].value, "1");
  EXPECT_EQ(env.vars[1].value, "\"two words\"");
  EXPECT_EQ(env.vars[2].value, "'$HOME'");
  EXPECT_EQ(env.vars[3].value, "x\\ y");
  EXPECT_EQ(env.vars[4].key, "E");
  EXPECT_EQ(env.vars[4].value, "");
}

TEST(EnvTest, LegacyFormTakesTheRestOfTheLine) {
  EnvCommand env = ParseAs<EnvCommand>("FROM a\nENV PATH   /usr/local/bin:$PATH  and more");
  ASSERT_EQ(env.vars.size(), 1u);
  EXPECT_EQ(env.vars[0].key, "PATH");
  EXPECT_EQ(env.vars[0].value, "/usr/local/bin:$PATH  and more");
}

TEST(EnvTest, ContinuedPairs) {
  EnvCommand env = ParseAs<EnvCommand>("FROM a\nENV A=1 \\\n    B=2");
  ASSERT_EQ(env.vars.size(), 2u);
  EXPECT_EQ(env.vars[1].key, "B");
}

TEST(EnvTest, QuotedKeyWithSpaces) {
  LabelCommand label = ParseAs<LabelCommand>("FROM a\nLABEL \"my key\"=v");
  EXPECT_EQ(label.labels[0].key, "\"my key\"");
}

TEST(EnvTest, Errors) {
  EXPECT_EQ(MessageOf("FROM a\nENV"), "ENV requires at least one argument");
  EXPECT_THAT(MessageOf("FROM a\nENV ONLYKEY"), HasSubstr("ENV must have two arguments"));
  EXPECT_EQ(MessageOf("FROM a\nENV A=1 B"),
            "Syntax error - can't find = in \"B\". Must be of the form: name=value");
  EXPECT_EQ(MessageOf("FROM a\nENV =1"), "ENV names can not be blank");
  EXPECT_EQ(MessageOf("FROM a\nENV --x A=1"), "unknown flag --x for ENV: ENV takes no flags");
}

TEST(LabelTest, PairsAndLegacy) {
  LabelCommand label = ParseAs<LabelCommand>(
      "FROM a\nLABEL org.opencontainers.image.title=\"My App\" version=1.0");
  ASSERT_EQ(label.labels.size(), 2u);
  EXPECT_EQ(label.labels[0].key, "org.opencontainers.image.title");
  EXPECT_EQ(label.labels[0].value, "\"My App\"");
  LabelCommand legacy = ParseAs<LabelCommand>("FROM a\nLABEL maintainer Jane Doe");
  EXPECT_EQ(legacy.labels[0].key, "maintainer");
  EXPECT_EQ(legacy.labels[0].value, "Jane Doe");
  EXPECT_EQ(MessageOf("FROM a\nLABEL =x"), "LABEL names can not be blank");
}

TEST(LabelTest, BacktickEscapeKeepsBackslashes) {
  LabelCommand label = ParseAs<LabelCommand>("# escape=`\nFROM a\nLABEL path=C:\\dir a=b` c");
  ASSERT_EQ(label.labels.size(), 2u);
  EXPECT_EQ(label.labels[0].value, "C:\\dir");
  EXPECT_EQ(label.labels[1].value, "b` c");
}

// ---- EXPOSE, VOLUME ----

TEST(ExposeTest, Words) {
  ExposeCommand expose = ParseAs<ExposeCommand>("FROM a\nEXPOSE 80 443/tcp 53/udp 8000-8010/sctp $PORT");
  EXPECT_THAT(expose.ports, ElementsAre("80", "443/tcp", "53/udp", "8000-8010/sctp", "$PORT"));
}

TEST(ExposeTest, BadPortWithoutVariablesFailsAtParse) {
  EXPECT_THAT(MessageOf("FROM a\nEXPOSE 80/http"), HasSubstr("invalid port \"80/http\" for EXPOSE"));
  EXPECT_THAT(MessageOf("FROM a\nEXPOSE 70000"), HasSubstr("a port is a number from 0 to 65535"));
  EXPECT_EQ(MessageOf("FROM a\nEXPOSE"), "EXPOSE requires at least one argument");
}

TEST(VolumeTest, JsonAndWords) {
  EXPECT_THAT(ParseAs<VolumeCommand>("FROM a\nVOLUME [\"/data\", \"/var/log app\"]").paths,
              ElementsAre("/data", "/var/log app"));
  EXPECT_THAT(ParseAs<VolumeCommand>("FROM a\nVOLUME /data  /logs").paths, ElementsAre("/data", "/logs"));
  EXPECT_EQ(MessageOf("FROM a\nVOLUME [\" \"]"), "VOLUME specified can not be an empty string");
  EXPECT_EQ(MessageOf("FROM a\nVOLUME []"), "VOLUME requires at least one argument");
}

// ---- USER, WORKDIR, STOPSIGNAL, MAINTAINER ----

TEST(SingleValueTest, WholeTextIsTheValue) {
  EXPECT_EQ(ParseAs<UserCommand>("FROM a\nUSER app:app").user, "app:app");
  EXPECT_EQ(ParseAs<WorkdirCommand>("FROM a\nWORKDIR \"/my app\"").path, "\"/my app\"");
  EXPECT_EQ(ParseAs<StopsignalCommand>("FROM a\nSTOPSIGNAL SIGQUIT").signal, "SIGQUIT");
  EXPECT_EQ(ParseAs<MaintainerCommand>("FROM a\nMAINTAINER Jane Doe <jane@example.com>").name,
            "Jane Doe <jane@example.com>");
}

TEST(SingleValueTest, EmptyIsAnError) {
  EXPECT_EQ(MessageOf("FROM a\nUSER"), "USER requires exactly one argument");
  EXPECT_EQ(MessageOf("FROM a\nWORKDIR"), "WORKDIR requires exactly one argument");
  EXPECT_EQ(MessageOf("FROM a\nSTOPSIGNAL"), "STOPSIGNAL requires exactly one argument");
  EXPECT_EQ(MessageOf("FROM a\nMAINTAINER"), "MAINTAINER requires exactly one argument");
}

TEST(StopsignalTest, NamesAndNumbers) {
  for (std::string_view signal : {"SIGTERM", "term", "9", "SIGRTMIN+3", "RTMAX-14", "SIGWINCH", "$SIG"}) {
    EXPECT_NO_THROW(Parse(fmt::format("FROM a\nSTOPSIGNAL {}", signal))) << signal;
  }
  for (std::string_view signal : {"SIGFOO", "0", "-9", "SIGRTMIN+16", "RTMIN+03"}) {
    EXPECT_THAT(MessageOf(fmt::format("FROM a\nSTOPSIGNAL {}", signal)),
                HasSubstr(fmt::format("invalid signal \"{}\"", signal)));
  }
}

// ---- ARG ----

TEST(ArgTest, NamesAndDefaults) {
  ArgCommand arg = ParseAs<ArgCommand>("ARG VERSION=1.2 DEBIAN_FRONTEND NAME=\"a b\" EMPTY=");
  ASSERT_EQ(arg.args.size(), 4u);
  EXPECT_EQ(arg.args[0].name, "VERSION");
  EXPECT_EQ(arg.args[0].default_value, "1.2");
  EXPECT_EQ(arg.args[1].name, "DEBIAN_FRONTEND");
  EXPECT_EQ(arg.args[1].default_value, std::nullopt);
  EXPECT_EQ(arg.args[2].default_value, "\"a b\"");
  EXPECT_EQ(arg.args[3].default_value, "");
}

TEST(ArgTest, Errors) {
  EXPECT_EQ(MessageOf("ARG"), "ARG requires at least one argument");
  EXPECT_EQ(MessageOf("ARG =1"), "ARG names can not be blank");
}

// ---- COPY and ADD ----

TEST(CopyTest, SourcesAndDestination) {
  CopyCommand copy = ParseAs<CopyCommand>("FROM a\nCOPY go.mod go.sum ./");
  EXPECT_FALSE(copy.is_add);
  EXPECT_THAT(copy.sources, ElementsAre("go.mod", "go.sum"));
  EXPECT_EQ(copy.destination, "./");
  EXPECT_FALSE(copy.link);
  EXPECT_EQ(copy.unpack, std::nullopt);
}

TEST(CopyTest, JsonFormWithSpaces) {
  CopyCommand copy = ParseAs<CopyCommand>("FROM a\nCOPY [\"my file.txt\", \"/dest dir/\"]");
  EXPECT_THAT(copy.sources, ElementsAre("my file.txt"));
  EXPECT_EQ(copy.destination, "/dest dir/");
}

TEST(CopyTest, NeedsASourceAndADestination) {
  EXPECT_THAT(MessageOf("FROM a\nCOPY onlyone"),
              HasSubstr("COPY requires at least two arguments, but only one was provided"));
  EXPECT_THAT(MessageOf("FROM a\nADD"), HasSubstr("ADD requires at least two arguments, but none was"));
}

TEST(CopyTest, HeredocSource) {
  CopyCommand copy = ParseAs<CopyCommand>("FROM a\nCOPY <<EOF /etc/motd\nhello\nEOF\n");
  EXPECT_THAT(copy.sources, ElementsAre("<<EOF"));
  ASSERT_EQ(copy.heredocs.size(), 1u);
  EXPECT_EQ(copy.heredocs[0].content, "hello\n");
  EXPECT_EQ(MessageOf("FROM a\nCOPY x <<EOF\nbody\nEOF\n"), "COPY cannot accept a heredoc as a destination");
}

TEST(CopyTest, AllCopyFlags) {
  CopyCommand copy = ParseAs<CopyCommand>(
      "FROM a\nCOPY --from=build --chown=app:app --chmod=0755 --link --parents --exclude=*.md "
      "--exclude=tests/ /src/ /app/");
  EXPECT_EQ(copy.from, "build");
  EXPECT_EQ(copy.chown, "app:app");
  EXPECT_EQ(copy.chmod, "0755");
  EXPECT_TRUE(copy.link);
  EXPECT_TRUE(copy.parents);
  EXPECT_THAT(copy.excludes, ElementsAre("*.md", "tests/"));
}

TEST(CopyTest, BooleanFlagValues) {
  EXPECT_TRUE(ParseAs<CopyCommand>("FROM a\nCOPY --link=TRUE a b").link);
  EXPECT_FALSE(ParseAs<CopyCommand>("FROM a\nCOPY --link=false a b").link);
  EXPECT_EQ(MessageOf("FROM a\nCOPY --link=yes a b"), "expecting boolean value for flag --link, not: yes");
  EXPECT_THAT(MessageOf("FROM a\nCOPY --link= a b"), HasSubstr("missing a value on flag --link"));
}

TEST(CopyTest, StringFlagNeedsAValueButMayBeEmpty) {
  ParseError error = ErrorOf("FROM a\nCOPY --from a b");
  EXPECT_EQ(error.message(), "missing a value on flag --from: write --from=VALUE");
  EXPECT_EQ(error.where().column, 6);
  EXPECT_EQ(ParseAs<CopyCommand>("FROM a\nCOPY --chown= a b").chown, "");
}

TEST(CopyTest, RepeatedFlagIsAnError) {
  ParseError error = ErrorOf("FROM a\nCOPY --from=x --chown=1 --from=y a b");
  EXPECT_EQ(error.message(), "duplicate flag specified: --from may be given only once to COPY");
  EXPECT_EQ(error.where().column, 25);
}

TEST(CopyTest, UnknownFlagSuggestsAndLists) {
  ParseError error = ErrorOf("FROM a\nCOPY --form=build /a /b");
  EXPECT_EQ(error.message(),
            "unknown flag --form for COPY; did you mean --from? (COPY accepts --from, --parents, "
            "--chown, --chmod, --link and --exclude)");
  EXPECT_EQ(error.where().line, 2);
  EXPECT_EQ(error.where().column, 6);
  EXPECT_THAT(error.what(), HasSubstr("Buildfile:2:6: unknown flag --form"));
  EXPECT_EQ(MessageOf("FROM a\nCOPY --zzz a b"),
            "unknown flag --zzz for COPY (COPY accepts --from, --parents, --chown, --chmod, --link "
            "and --exclude)");
}

TEST(CopyTest, AddOnlyFlagsOnCopy) {
  ParseError error = ErrorOf("FROM a\nCOPY --link --checksum=sha256:00 a b");
  EXPECT_EQ(error.message(), "--checksum is only supported by ADD, not COPY");
  EXPECT_EQ(error.where().column, 13);
  EXPECT_EQ(MessageOf("FROM a\nCOPY --keep-git-dir a b"), "--keep-git-dir is only supported by ADD, not COPY");
  EXPECT_EQ(MessageOf("FROM a\nCOPY --unpack a b"), "--unpack is only supported by ADD, not COPY");
  EXPECT_EQ(MessageOf("FROM a\nADD --from=build a b"), "--from is only supported by COPY, not ADD");
  EXPECT_EQ(MessageOf("FROM a\nADD --parents a b"), "--parents is only supported by COPY, not ADD");
}

TEST(CopyTest, ChmodIsValidated) {
  EXPECT_EQ(ParseAs<CopyCommand>("FROM a\nCOPY --chmod=u=rwx,g=rx,o= a b").chmod, "u=rwx,g=rx,o=");
  EXPECT_EQ(ParseAs<CopyCommand>("FROM a\nCOPY --chmod=$MODE a b").chmod, "$MODE");
  ParseError error = ErrorOf("FROM a\nCOPY --link --chmod=rwx a b");
  EXPECT_THAT(error.message(), HasSubstr("invalid --chmod value \"rwx\""));
  EXPECT_EQ(error.where().column, 13);
  EXPECT_THAT(MessageOf("FROM a\nCOPY --chmod=10000 a b"), HasSubstr("between 0 and 07777"));
}

TEST(AddTest, AllAddFlags) {
  CopyCommand add = ParseAs<CopyCommand>(
      "FROM a\nADD --chown=1:1 --chmod=644 --link --exclude=x --keep-git-dir=true --unpack=false "
      "--checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d "
      "https://example.com/a.tar.gz /a/");
  EXPECT_TRUE(add.is_add);
  EXPECT_EQ(add.chown, "1:1");
  EXPECT_EQ(add.chmod, "644");
  EXPECT_TRUE(add.link);
  EXPECT_THAT(add.excludes, ElementsAre("x"));
  EXPECT_TRUE(add.keep_git_dir);
  EXPECT_EQ(add.unpack, false);
  EXPECT_EQ(add.checksum, "sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d");
  EXPECT_EQ(ParseAs<CopyCommand>("FROM a\nADD --unpack x.tar /").unpack, true);
}

TEST(AddTest, ChecksumIsValidated) {
  std::string sha384(96, 'a');
  std::string sha512(128, '0');
  EXPECT_EQ(ParseAs<CopyCommand>("FROM a\nADD --checksum=sha384:" + sha384 + " u /").checksum, "sha384:" + sha384);
  EXPECT_EQ(ParseAs<CopyCommand>("FROM a\nADD --checksum=sha512:" + sha512 + " u /").checksum, "sha512:" + sha512);
  EXPECT_EQ(ParseAs<CopyCommand>("FROM a\nADD --checksum=${SUM} u /").checksum, "${SUM}");
  for (std::string bad : {std::string("sha256:abc"), "md5:" + std::string(32, 'a'), "sha256:" + std::string(64, 'A'),
                          std::string(64, 'a')}) {
    EXPECT_THAT(MessageOf("FROM a\nADD --checksum=" + bad + " u /"), HasSubstr("invalid checksum")) << bad;
  }
}

TEST(AddTest, UnknownFlagListsAddFlags) {
  EXPECT_EQ(MessageOf("FROM a\nADD --keep-git=true a b"),
            "unknown flag --keep-git for ADD; did you mean --keep-git-dir? (ADD accepts --chown, "
            "--chmod, --link, --exclude, --checksum, --keep-git-dir and --unpack)");
}

// ---- ONBUILD ----

TEST(OnbuildTest, TriggerIsParsedAndKeptAsText) {
  OnbuildCommand onbuild = ParseAs<OnbuildCommand>("FROM a\nONBUILD RUN --mount=type=cache,target=/c make");
  EXPECT_EQ(onbuild.expression, "RUN --mount=type=cache,target=/c make");
  ASSERT_EQ(onbuild.trigger.size(), 1u);
  EXPECT_EQ(onbuild.trigger[0].keyword, "RUN");
  const RunCommand& run = std::get<RunCommand>(onbuild.trigger[0].command);
  EXPECT_EQ(run.mounts[0].target, "/c");
}

TEST(OnbuildTest, HeredocBodyFollowsTheExpression) {
  OnbuildCommand onbuild = ParseAs<OnbuildCommand>("FROM a\nONBUILD COPY <<EOF /x\nhi\nEOF\n");
  EXPECT_EQ(onbuild.expression, "COPY <<EOF /x\nhi\nEOF");
}

TEST(OnbuildTest, ForbiddenTriggers) {
  ParseError chained = ErrorOf("FROM a\nONBUILD ONBUILD RUN x");
  EXPECT_EQ(chained.message(), "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  EXPECT_EQ(chained.where().column, 9);
  EXPECT_EQ(MessageOf("FROM a\nONBUILD FROM b"), "FROM isn't allowed as an ONBUILD trigger");
  EXPECT_EQ(MessageOf("FROM a\nonbuild maintainer me"), "MAINTAINER isn't allowed as an ONBUILD trigger");
}

TEST(OnbuildTest, TriggerErrorsPointIntoTheTrigger) {
  ParseError error = ErrorOf("FROM a\nONBUILD COPY --form=x a b");
  EXPECT_THAT(error.message(), HasSubstr("unknown flag --form for COPY"));
  EXPECT_EQ(error.where().column, 14);
  EXPECT_THAT(MessageOf("FROM a\nONBUILD"), HasSubstr("ONBUILD requires at least one argument"));
}

// ---- HEALTHCHECK ----

TEST(HealthcheckTest, None) {
  HealthcheckCommand health = ParseAs<HealthcheckCommand>("FROM a\nHEALTHCHECK none");
  EXPECT_TRUE(health.none);
  EXPECT_EQ(MessageOf("FROM a\nHEALTHCHECK NONE now"), "HEALTHCHECK NONE takes no arguments");
  ParseError flagged = ErrorOf("FROM a\nHEALTHCHECK --interval=5s NONE");
  EXPECT_EQ(flagged.message(), "HEALTHCHECK NONE takes no flags");
  EXPECT_EQ(flagged.where().column, 13);
}

TEST(HealthcheckTest, ShellAndExecCommands) {
  HealthcheckCommand shell = ParseAs<HealthcheckCommand>("FROM a\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1");
  EXPECT_FALSE(shell.none);
  EXPECT_TRUE(shell.test.shell_form);
  EXPECT_THAT(shell.test.args, ElementsAre("curl -f http://localhost/ || exit 1"));
  HealthcheckCommand exec = ParseAs<HealthcheckCommand>("FROM a\nHEALTHCHECK cmd [\"pg_isready\", \"-q\"]");
  EXPECT_FALSE(exec.test.shell_form);
  EXPECT_THAT(exec.test.args, ElementsAre("pg_isready", "-q"));
}

TEST(HealthcheckTest, AllFlags) {
  HealthcheckCommand health = ParseAs<HealthcheckCommand>(
      "FROM a\nHEALTHCHECK --interval=1m30s --timeout=5s --start-period=1.5s --start-interval=250ms "
      "--retries=3 CMD true");
  EXPECT_EQ(health.interval_ns, 90'000'000'000);
  EXPECT_EQ(health.timeout_ns, 5'000'000'000);
  EXPECT_EQ(health.start_period_ns, 1'500'000'000);
  EXPECT_EQ(health.start_interval_ns, 250'000'000);
  EXPECT_EQ(health.retries, 3);
  HealthcheckCommand zero = ParseAs<HealthcheckCommand>("FROM a\nHEALTHCHECK --interval=0s --retries=0 CMD true");
  EXPECT_EQ(zero.interval_ns, 0);
  EXPECT_EQ(zero.retries, 0);
}

TEST(HealthcheckTest, BadDurations) {
  ParseError bad = ErrorOf("FROM a\nHEALTHCHECK --interval=5 CMD true");
  EXPECT_THAT(bad.message(), HasSubstr("--interval: invalid duration \"5\": missing unit"));
  EXPECT_EQ(bad.where().column, 13);
  EXPECT_EQ(MessageOf("FROM a\nHEALTHCHECK --timeout=500us CMD true"),
            "Interval \"timeout\" cannot be less than 1ms (got --timeout=500us)");
  EXPECT_EQ(MessageOf("FROM a\nHEALTHCHECK --start-period=-1s CMD true"),
            "Interval \"start-period\" cannot be less than 1ms (got --start-period=-1s)");
  EXPECT_THAT(MessageOf("FROM a\nHEALTHCHECK --start-interval=1d CMD true"), HasSubstr("unknown unit \"d\""));
}

TEST(HealthcheckTest, BadRetries) {
  EXPECT_EQ(MessageOf("FROM a\nHEALTHCHECK --retries=-1 CMD true"), "--retries cannot be negative (-1)");
  EXPECT_EQ(MessageOf("FROM a\nHEALTHCHECK --retries=three CMD true"),
            "--retries must be a whole number, not \"three\"");
  EXPECT_EQ(MessageOf("FROM a\nHEALTHCHECK --retries=99999999999 CMD true"),
            "--retries must be a whole number, not \"99999999999\"");
}

TEST(HealthcheckTest, TypeAndCommandErrors) {
  EXPECT_EQ(MessageOf("FROM a\nHEALTHCHECK RUN true"), "Unknown type \"RUN\" in HEALTHCHECK (try CMD)");
  EXPECT_EQ(MessageOf("FROM a\nHEALTHCHECK CMD"), "Missing command after HEALTHCHECK CMD");
  EXPECT_EQ(MessageOf("FROM a\nHEALTHCHECK CMD []"), "Missing command after HEALTHCHECK CMD");
  EXPECT_THAT(MessageOf("FROM a\nHEALTHCHECK"), HasSubstr("HEALTHCHECK requires at least one argument"));
  EXPECT_THAT(MessageOf("FROM a\nHEALTHCHECK --interval=1s --intervall=2s CMD true"),
              HasSubstr("did you mean --interval?"));
}

// ---- The golden corpus ----

TEST(GoldenCorpusTest, EveryRecipeTypesAndExpands) {
  std::filesystem::path dir = std::filesystem::path(IMGBUILD_SOURCE_DIR) / "testdata/parser/golden";
  int recipes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".Dockerfile") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    SCOPED_TRACE(entry.path().filename().string());
    Ast ast = ParseAst(text.str(), entry.path().filename().string());
    // Every variable set to a value every field accepts, even EXPOSE.
    VarLookup lookup = [](std::string_view) { return std::optional<std::string>("1"); };
    for (const RawInstruction& raw : ast.instructions) {
      Instruction instruction = ParseInstruction(raw, ast);
      EXPECT_EQ(instruction.keyword, raw.keyword);
      ExpandInstruction(instruction, WordExpander(ast.directives.escape), lookup, ast);
    }
    ++recipes;
  }
  EXPECT_GE(recipes, 70);
}

}  // namespace
}  // namespace imgbuild::parser
