#include "parser/ast.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imgbuild::parser {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Parses `text` and returns the error message, or "" when it parsed.
std::string ParseErrorOf(std::string_view text) {
  try {
    ParseAst(text, "Buildfile");
  } catch (const ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(AstTest, SplitsKeywordFlagsAndArguments) {
  Ast ast = ParseAst("FROM alpine\ncopy --from=build --chown=1:2 /a /b\n", "Buildfile");
  ASSERT_EQ(ast.instructions.size(), 2u);
  const RawInstruction& copy = ast.instructions[1];
  EXPECT_EQ(copy.keyword, "COPY");
  ASSERT_EQ(copy.flags.size(), 2u);
  EXPECT_EQ(copy.flags[0].name, "from");
  EXPECT_EQ(copy.flags[0].value, "build");
  EXPECT_EQ(copy.flags[0].where.line, 2);
  EXPECT_EQ(copy.flags[0].where.column, 6);
  EXPECT_EQ(copy.flags[1].value, "1:2");
  EXPECT_EQ(copy.args, "/a /b");
  EXPECT_EQ(copy.args_at.column, 31);
  EXPECT_EQ(copy.range.start_line, 2);
  EXPECT_EQ(copy.range.end_line, 2);
}

TEST(AstTest, KeywordsAreCaseInsensitiveAndMayBeIndented) {
  Ast ast = ParseAst("  fRoM alpine\n\tRun echo hi\n", "Buildfile");
  EXPECT_EQ(ast.instructions[0].keyword, "FROM");
  EXPECT_EQ(ast.instructions[0].keyword_at.column, 3);
  EXPECT_EQ(ast.instructions[1].keyword, "RUN");
  EXPECT_EQ(ast.instructions[1].args, "echo hi");
}

TEST(AstTest, FlagsKeepQuotedSpacesAndStopAtDoubleDash) {
  Ast ast = ParseAst("FROM a\nRUN --mount=\"type=bind,target=/x y\" --network=none -- --not-a-flag\n",
                     "Buildfile");
  const RawInstruction& run = ast.instructions[1];
  ASSERT_EQ(run.flags.size(), 2u);
  EXPECT_EQ(run.flags[0].value, "type=bind,target=/x y");
  EXPECT_EQ(run.flags[1].name, "network");
  EXPECT_EQ(run.args, "--not-a-flag");
}

TEST(AstTest, BareFlagHasNoValue) {
  Ast ast = ParseAst("FROM a\nCOPY --link a b\n", "Buildfile");
  ASSERT_EQ(ast.instructions[1].flags.size(), 1u);
  EXPECT_EQ(ast.instructions[1].flags[0].name, "link");
  EXPECT_FALSE(ast.instructions[1].flags[0].value.has_value());
}

TEST(AstTest, RecognisesJsonArrays) {
  Ast ast = ParseAst("FROM a\nCMD [\"echo\", \"hi there\"]\nCMD [\"echo\", 1]\nCMD [oops\n", "Buildfile");
  ASSERT_TRUE(ast.instructions[1].json_args.has_value());
  EXPECT_THAT(*ast.instructions[1].json_args, ElementsAre("echo", "hi there"));
  EXPECT_FALSE(ast.instructions[2].json_args.has_value());
  EXPECT_FALSE(ast.instructions[3].json_args.has_value());
  EXPECT_EQ(ast.instructions[3].args, "[oops");
}

TEST(AstTest, SkipsCommentsAndBlankLines) {
  Ast ast = ParseAst("# a comment\n\nFROM a\n   # indented comment\n\nRUN x # not a comment\n", "Buildfile");
  ASSERT_EQ(ast.instructions.size(), 2u);
  EXPECT_EQ(ast.instructions[1].args, "x # not a comment");
  EXPECT_EQ(ast.instructions[1].range.start_line, 6);
}

TEST(AstTest, JoinsContinuationLinesLikeBuildKit) {
  Ast ast = ParseAst("FROM a\nRUN apt-get update && \\\n    apt-get install -y curl\n", "Buildfile");
  const RawInstruction& run = ast.instructions[1];
  // The escape and the newline go; the continuation line's indent stays.
  EXPECT_EQ(run.args, "apt-get update &&     apt-get install -y curl");
  EXPECT_EQ(run.range.start_line, 2);
  EXPECT_EQ(run.range.end_line, 3);
}

TEST(AstTest, ContinuationSkipsCommentsAndWarnsOnEmptyLines) {
  Ast ast = ParseAst("FROM a\nRUN echo a \\\n# comment inside\n  \\\n\n    && echo b\nRUN c\n", "Buildfile");
  ASSERT_EQ(ast.instructions.size(), 3u);
  EXPECT_EQ(ast.instructions[1].args, "echo a       && echo b");
  EXPECT_EQ(ast.instructions[1].range.end_line, 6);
  ASSERT_EQ(ast.warnings.size(), 1u);
  EXPECT_THAT(ast.warnings[0].message, HasSubstr("empty continuation line"));
}

TEST(AstTest, ColumnsFollowContinuationLines) {
  Ast ast = ParseAst("FROM a\nCOPY \\\n  --chown=1 \\\n  src dst\n", "Buildfile");
  const RawInstruction& copy = ast.instructions[1];
  EXPECT_EQ(copy.flags[0].where.line, 3);
  EXPECT_EQ(copy.flags[0].where.column, 3);
  EXPECT_EQ(copy.args_at.line, 4);
  EXPECT_EQ(copy.args_at.column, 3);
}

TEST(AstTest, EscapedEscapeTokenDoesNotContinue) {
  Ast ast = ParseAst("FROM a\nRUN echo \\\\\nRUN b\n", "Buildfile");
  ASSERT_EQ(ast.instructions.size(), 3u);
  EXPECT_EQ(ast.instructions[1].args, "echo \\\\");
}

TEST(AstTest, TrailingWhitespaceAfterEscapeStillContinues) {
  Ast ast = ParseAst("FROM a\nRUN a \\  \t\n b\n", "Buildfile");
  EXPECT_EQ(ast.instructions[1].args, "a  b");
}

TEST(AstTest, EscapeDirectiveSwitchesToBacktick) {
  Ast ast = ParseAst("# escape=`\nFROM a\nRUN dir c:\\ `\n  /s\n", "Buildfile");
  EXPECT_EQ(ast.directives.escape, '`');
  EXPECT_EQ(ast.instructions[1].args, "dir c:\\   /s");
}

TEST(AstTest, RecordsSyntaxAndCheckDirectives) {
  Ast ast = ParseAst("# syntax=docker/dockerfile:1\n#check=skip=JSONArgsRecommended\nFROM a\n", "Buildfile");
  EXPECT_EQ(ast.directives.syntax, "docker/dockerfile:1");
  EXPECT_EQ(ast.directives.check, "skip=JSONArgsRecommended");
}

TEST(AstTest, DirectivesOnlyCountAtTheTop) {
  Ast ast = ParseAst("# comment\n# escape=`\nFROM a\nRUN a \\\n b\n", "Buildfile");
  EXPECT_EQ(ast.directives.escape, '\\');
  Ast after_blank = ParseAst("\n# escape=`\nFROM a\n", "Buildfile");
  EXPECT_EQ(after_blank.directives.escape, '\\');
}

TEST(AstTest, UnknownDirectiveEndsDirectives) {
  Ast ast = ParseAst("# foo=bar\n# escape=`\nFROM a\n", "Buildfile");
  EXPECT_EQ(ast.directives.escape, '\\');
}

TEST(AstTest, RejectsRepeatedAndInvalidDirectives) {
  EXPECT_THAT(ParseErrorOf("# escape=`\n# escape=\\\nFROM a\n"),
              HasSubstr("Buildfile:2:1: only one escape parser directive can be used"));
  EXPECT_THAT(ParseErrorOf("# escape=x\nFROM a\n"),
              HasSubstr("Buildfile:1:1: invalid escape token 'x'"));
}

TEST(AstTest, UnknownInstructionNamesPlaceAndSuggests) {
  std::string error = ParseErrorOf("FROM a\n  RUNN echo\n");
  EXPECT_THAT(error, HasSubstr("Buildfile:2:3: unknown instruction: RUNN (did you mean RUN?)"));
  EXPECT_THAT(error, HasSubstr("\n    RUNN echo\n    ^"));
  EXPECT_THAT(ParseErrorOf("FROM a\nFROBNICATE x\n"), HasSubstr("unknown instruction: FROBNICATE"));
  EXPECT_THAT(ParseErrorOf("FROM a\nFROBNICATE x\n"), ::testing::Not(HasSubstr("did you mean")));
}

TEST(AstTest, EmptyFileIsAnError) {
  EXPECT_THAT(ParseErrorOf(""), HasSubstr("file with no instructions"));
  EXPECT_THAT(ParseErrorOf("# only a comment\n\n"), HasSubstr("file with no instructions"));
}

TEST(AstTest, EmptyContinuationAtEndOfFileIsAnError) {
  std::string error = ParseErrorOf("FROM a\nRUN \\\n");
  EXPECT_THAT(error, HasSubstr("Buildfile:2:"));
  EXPECT_THAT(error, HasSubstr("unexpected end of file: the line continuation of RUN (line 2)"));
}

TEST(AstTest, ContinuationAtEndOfFileWithArgumentsWarns) {
  Ast ast = ParseAst("FROM a\nRUN echo hi \\", "Buildfile");
  EXPECT_EQ(ast.instructions[1].args, "echo hi");
  ASSERT_EQ(ast.warnings.size(), 1u);
  EXPECT_THAT(ast.warnings[0].message, HasSubstr("line continuation at end of file"));
}

TEST(AstTest, HandlesCrlfAndByteOrderMark) {
  Ast ast = ParseAst("\xEF\xBB\xBF" "FROM a\r\nRUN echo a \\\r\n  b\r\n", "Buildfile");
  ASSERT_EQ(ast.instructions.size(), 2u);
  EXPECT_EQ(ast.instructions[0].keyword, "FROM");
  EXPECT_EQ(ast.instructions[1].args, "echo a   b");
}

TEST(AstTest, ReadsHeredocBodies) {
  Ast ast = ParseAst("FROM a\nRUN <<EOF\necho $HOME\n  indented\nEOF\nRUN after\n", "Buildfile");
  const RawInstruction& run = ast.instructions[1];
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].name, "EOF");
  EXPECT_EQ(run.heredocs[0].content, "echo $HOME\n  indented\n");
  EXPECT_TRUE(run.heredocs[0].expand);
  EXPECT_FALSE(run.heredocs[0].chomp);
  EXPECT_EQ(run.range.start_line, 2);
  EXPECT_EQ(run.range.end_line, 5);
  EXPECT_EQ(ast.instructions[2].range.start_line, 6);
}

TEST(AstTest, ChompedHeredocStripsLeadingTabs) {
  Ast ast = ParseAst("FROM a\nRUN <<-EOT\n\techo a\n\t\t  b\n\tEOT\n", "Buildfile");
  const Heredoc& heredoc = ast.instructions[1].heredocs.at(0);
  EXPECT_TRUE(heredoc.chomp);
  EXPECT_EQ(heredoc.content, "echo a\n  b\n");
}

TEST(AstTest, QuotedHeredocDelimiterDisablesExpansion) {
  Ast ast = ParseAst("FROM a\nRUN <<'EOF'\n$X\nEOF\nCOPY <<\"FILE\" /f\n$Y\nFILE\n", "Buildfile");
  EXPECT_FALSE(ast.instructions[1].heredocs.at(0).expand);
  EXPECT_EQ(ast.instructions[1].heredocs[0].name, "EOF");
  EXPECT_FALSE(ast.instructions[2].heredocs.at(0).expand);
  EXPECT_EQ(ast.instructions[2].heredocs[0].name, "FILE");
}

TEST(AstTest, SeveralHeredocsOnOneLine) {
  Ast ast = ParseAst("FROM a\nCOPY <<one <<two /dest/\nfirst\none\nsecond\ntwo\n", "Buildfile");
  const RawInstruction& copy = ast.instructions[1];
  ASSERT_EQ(copy.heredocs.size(), 2u);
  EXPECT_EQ(copy.heredocs[0].content, "first\n");
  EXPECT_EQ(copy.heredocs[1].content, "second\n");
  EXPECT_EQ(copy.range.end_line, 6);
}

TEST(AstTest, HeredocsOnlyForRunCopyAddInShellForm) {
  Ast ast = ParseAst("FROM a\nLABEL x=<<EOF\nRUN [\"cat\", \"<<EOF\"]\nRUN echo '<<EOF'\n", "Buildfile");
  ASSERT_EQ(ast.instructions.size(), 4u);
  for (const RawInstruction& raw : ast.instructions) EXPECT_TRUE(raw.heredocs.empty()) << raw.original;
}

TEST(AstTest, UnterminatedHeredocIsAnError) {
  std::string error = ParseErrorOf("FROM a\nRUN <<EOF\necho hi\n");
  EXPECT_THAT(error, HasSubstr("Buildfile:2:"));
  EXPECT_THAT(error, HasSubstr("unterminated heredoc: no line \"EOF\""));
}

TEST(AstTest, HeredocBodyKeepsCommentsAndBackslashes) {
  Ast ast = ParseAst("FROM a\nRUN <<EOF\n# not a comment \\\n\nEOF\n", "Buildfile");
  EXPECT_EQ(ast.instructions[1].heredocs.at(0).content, "# not a comment \\\n\n");
}

TEST(AstTest, OnbuildCarriesItsTrigger) {
  Ast ast = ParseAst("FROM a\nONBUILD copy --from=x . /app\n", "Buildfile");
  const RawInstruction& onbuild = ast.instructions[1];
  EXPECT_EQ(onbuild.args, "copy --from=x . /app");
  ASSERT_EQ(onbuild.trigger.size(), 1u);
  EXPECT_EQ(onbuild.trigger[0].keyword, "COPY");
  EXPECT_EQ(onbuild.trigger[0].flags.at(0).value, "x");
  EXPECT_EQ(onbuild.trigger[0].flags[0].where.column, 14);
}

TEST(AstTest, OnbuildWithUnknownTriggerIsAnError) {
  EXPECT_THAT(ParseErrorOf("FROM a\nONBUILD NOPE x\n"), HasSubstr("Buildfile:2:9: unknown instruction: NOPE"));
}

TEST(AstTest, ParsesSingleInstructionInContext) {
  Ast ast = ParseAst("FROM a\n", "Buildfile");
  RawInstruction raw = ParseRawInstruction("RUN echo from trigger", ast, 1);
  EXPECT_EQ(raw.keyword, "RUN");
  EXPECT_EQ(raw.args, "echo from trigger");
}

TEST(AstTest, StdinIsNamedInErrors) {
  try {
    ParseAst("BOGUS\n", "-");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), "<stdin>");
    EXPECT_THAT(e.what(), HasSubstr("<stdin>:1:1:"));
  }
}

}  // namespace
}  // namespace imgbuild::parser
