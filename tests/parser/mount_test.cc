// RUN --mount: BuildKit's keys, checks and defaults for every mount type.
#include "parser/mount.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imgbuild::parser {
namespace {

using ::testing::HasSubstr;

std::vector<Mount> MountsOf(std::string_view flags) {
  Ast ast = ParseAst(fmt::format("FROM a\nRUN {} true", flags), "Buildfile");
  return std::get<RunCommand>(ParseInstruction(ast.instructions.back(), ast).command).mounts;
}

Mount MountOf(std::string_view flags) { return MountsOf(flags).at(0); }

std::string MountError(std::string_view flags) {
  try {
    MountsOf(flags);
  } catch (const ParseError& e) {
    return e.message();
  }
  ADD_FAILURE() << "no error for " << flags;
  return "";
}

TEST(BindMountTest, DefaultsToReadOnlyBindOfTheContext) {
  Mount mount = MountOf("--mount=target=/src");
  EXPECT_EQ(mount.type, Mount::Type::kBind);
  EXPECT_EQ(mount.target, "/src");
  EXPECT_EQ(mount.from, "");
  EXPECT_TRUE(mount.read_only);
  EXPECT_EQ(mount.spec, "target=/src");
}

TEST(BindMountTest, EveryKeySpelling) {
  Mount mount = MountOf("--mount=type=bind,from=build,src=/out,dst=/in,rw");
  EXPECT_EQ(mount.from, "build");
  EXPECT_EQ(mount.source, "/out");
  EXPECT_EQ(mount.target, "/in");
  EXPECT_FALSE(mount.read_only);
  EXPECT_EQ(MountOf("--mount=TYPE=BIND,Source=a,destination=/b,readwrite=true").source, "a");
  EXPECT_FALSE(MountOf("--mount=type=bind,destination=/b,readwrite=true").read_only);
  EXPECT_TRUE(MountOf("--mount=type=bind,target=/b,rw,ro").read_only);
  EXPECT_TRUE(MountOf("--mount=type=bind,target=/b,readonly=1").read_only);
  EXPECT_FALSE(MountOf("--mount=type=bind,target=/b,ro=false").read_only);
}

TEST(BindMountTest, Errors) {
  EXPECT_THAT(MountError("--mount=type=bind"), HasSubstr("mount type bind requires a target"));
  EXPECT_THAT(MountError("--mount=type=bind,target=/a,mode=0755"), HasSubstr("mode not allowed for \"bind\" type mounts"));
  EXPECT_THAT(MountError("--mount=type=bind,target=/a,uid=1"), HasSubstr("uid not allowed for \"bind\" type mounts"));
  EXPECT_THAT(MountError("--mount=type=bind,target=/a,gid=1"), HasSubstr("gid not allowed for \"bind\" type mounts"));
  EXPECT_THAT(MountError("--mount=type=bind,target=/a,sharing=locked"),
              HasSubstr("invalid cache sharing set for bind mount"));
  EXPECT_THAT(MountError("--mount=type=bind,target=/a,ro=maybe"), HasSubstr("invalid value for ro: maybe"));
  EXPECT_THAT(MountError("--mount=type=bind,target=/a,required"),
              HasSubstr("unexpected key 'required' for mount type 'bind'"));
  EXPECT_THAT(MountError("--mount=type=bind,target=/a,from=$STAGE"),
              HasSubstr("'from' doesn't support variable expansion, define alias stage instead"));
}

TEST(CacheMountTest, DefaultsAndOptions) {
  Mount mount = MountOf("--mount=type=cache,target=/root/.cache/../.cache/go-build/");
  EXPECT_EQ(mount.type, Mount::Type::kCache);
  EXPECT_FALSE(mount.read_only);
  EXPECT_EQ(mount.id, "/root/.cache/go-build");
  EXPECT_EQ(mount.sharing, Mount::Sharing::kShared);
  EXPECT_EQ(mount.mode, std::nullopt);
  Mount full = MountOf("--mount=type=cache,id=gomod,target=/go/pkg/mod,sharing=LOCKED,mode=0700,uid=1000,gid=1001,"
                       "from=seed,source=/cache,ro");
  EXPECT_EQ(full.id, "gomod");
  EXPECT_EQ(full.sharing, Mount::Sharing::kLocked);
  EXPECT_EQ(full.mode, 0700u);
  EXPECT_EQ(full.uid, 1000u);
  EXPECT_EQ(full.gid, 1001u);
  EXPECT_EQ(full.from, "seed");
  EXPECT_EQ(full.source, "/cache");
  EXPECT_TRUE(full.read_only);
  EXPECT_EQ(MountOf("--mount=type=cache,target=/c,sharing=private").sharing, Mount::Sharing::kPrivate);
}

TEST(CacheMountTest, Errors) {
  EXPECT_THAT(MountError("--mount=type=cache,id=x"), HasSubstr("mount type cache requires a target"));
  EXPECT_THAT(MountError("--mount=type=cache,target=/c,sharing=exclusive"),
              HasSubstr("unsupported sharing value \"exclusive\" (use shared, private or locked)"));
  EXPECT_THAT(MountError("--mount=type=cache,target=/c,mode=0999"), HasSubstr("invalid value 0999 for mode"));
  EXPECT_THAT(MountError("--mount=type=cache,target=/c,uid=-1"), HasSubstr("invalid value -1 for uid"));
  EXPECT_THAT(MountError("--mount=type=cache,target=/c,gid=4294967296"),
              HasSubstr("invalid value 4294967296 for gid"));
  EXPECT_THAT(MountError("--mount=type=cache,target=/c,size=1g"),
              HasSubstr("unexpected key 'size' for mount type 'cache'"));
}

TEST(TmpfsMountTest, SizeWithUnits) {
  EXPECT_EQ(MountOf("--mount=type=tmpfs,target=/tmp,size=64m").size_bytes, 64u << 20);
  EXPECT_FALSE(MountOf("--mount=type=tmpfs,dst=/tmp").read_only);
  EXPECT_EQ(MountOf("--mount=type=tmpfs,dst=/tmp").size_bytes, std::nullopt);
  EXPECT_THAT(MountError("--mount=type=tmpfs,target=/t,size=lots"), HasSubstr("invalid value for size: lots"));
  EXPECT_THAT(MountError("--mount=type=tmpfs"), HasSubstr("mount type tmpfs requires a target"));
  // As BuildKit: `size` is checked against the type given before it.
  EXPECT_THAT(MountError("--mount=size=1m,type=tmpfs,target=/t"),
              HasSubstr("unexpected key 'size' for mount type 'bind'"));
}

TEST(MemorySizeTest, GoUnitsRamInBytesTable) {
  const std::pair<std::string_view, uint64_t> cases[] = {
      {"512", 512},        {"512b", 512},       {"1k", 1024},        {"1K", 1024},
      {"1kb", 1024},       {"1KiB", 1024},      {"64m", 64u << 20},  {"64 MB", 64u << 20},
      {"1.5g", 3u << 29},  {"2t", 2ull << 40},  {"1p", 1ull << 50},  {"0", 0},
      {"1i", 1},           {"0.5k", 512},
  };
  for (const auto& [text, bytes] : cases) EXPECT_EQ(ParseMemorySize(text), bytes) << text;
  for (std::string_view bad : {"", "m", "1x", "1.2.3", "-1", "1  m", "1.m", "1mm", "10000000p"}) {
    EXPECT_THROW(ParseMemorySize(bad), Error) << bad;
  }
}

TEST(SecretMountTest, IdOnlyGoesToRunSecrets) {
  Mount mount = MountOf("--mount=type=secret,id=npmrc");
  EXPECT_EQ(mount.type, Mount::Type::kSecret);
  EXPECT_EQ(mount.id, "npmrc");
  EXPECT_EQ(mount.target, "/run/secrets/npmrc");
  EXPECT_TRUE(mount.read_only);
  EXPECT_FALSE(mount.required);
  EXPECT_EQ(MountOf("--mount=type=secret,id=a/b/key").target, "/run/secrets/key");
}

TEST(SecretMountTest, IdComesFromSourceOrTarget) {
  EXPECT_EQ(MountOf("--mount=type=secret,source=aws").id, "aws");
  Mount by_target = MountOf("--mount=type=secret,target=/root/.aws/credentials,required=true");
  EXPECT_EQ(by_target.id, "credentials");
  EXPECT_EQ(by_target.target, "/root/.aws/credentials");
  EXPECT_TRUE(by_target.required);
}

TEST(SecretMountTest, EnvOnlyHasNoFile) {
  Mount mount = MountOf("--mount=type=secret,id=github_token,env=GITHUB_TOKEN");
  EXPECT_EQ(mount.env, "GITHUB_TOKEN");
  EXPECT_EQ(mount.target, "");
  Mount both = MountOf("--mount=type=secret,id=t,env=T,target=/t");
  EXPECT_EQ(both.target, "/t");
  EXPECT_EQ(MountOf("--mount=type=secret,id=TOKEN,env=").env, "TOKEN");
}

TEST(SecretMountTest, FileOptionsAndBareRequired) {
  Mount mount = MountOf("--mount=type=secret,id=key,mode=0440,uid=1000,gid=1000,required");
  EXPECT_EQ(mount.mode, 0440u);
  EXPECT_EQ(mount.uid, 1000u);
  EXPECT_TRUE(mount.required);
}

TEST(SecretMountTest, Errors) {
  EXPECT_THAT(MountError("--mount=type=secret"), HasSubstr("invalid secret mount. one of source, target required"));
  EXPECT_THAT(MountError("--mount=type=secret,id=a,from=b"), HasSubstr("secret mount should not have a from"));
  EXPECT_THAT(MountError("--mount=type=secret,id=a,sharing=locked"), HasSubstr("secret mount should not define sharing"));
  EXPECT_THAT(MountError("--mount=type=secret,id=a,src=b"), HasSubstr("both source and id can't be set"));
  EXPECT_THAT(MountError("--mount=type=secret,id=a,required=sure"), HasSubstr("invalid value for required: sure"));
  EXPECT_THAT(MountError("--mount=required,type=secret,id=a"),
              HasSubstr("unexpected key 'required' for mount type 'bind'"));
}

TEST(SshMountTest, DefaultsCountSshMounts) {
  std::vector<Mount> mounts = MountsOf(
      "--mount=type=ssh --mount=type=cache,target=/c --mount=type=ssh,id=github,required=true,mode=0666");
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0].id, "default");
  EXPECT_EQ(mounts[0].target, "/run/buildkit/ssh_agent.0");
  EXPECT_TRUE(mounts[0].read_only);
  EXPECT_EQ(mounts[2].id, "github");
  EXPECT_EQ(mounts[2].target, "/run/buildkit/ssh_agent.1");
  EXPECT_TRUE(mounts[2].required);
  EXPECT_EQ(mounts[2].mode, 0666u);
  EXPECT_EQ(MountOf("--mount=type=ssh,target=/agent.sock").target, "/agent.sock");
  EXPECT_THAT(MountError("--mount=type=ssh,source=x"), HasSubstr("ssh does not support source"));
}

TEST(MountSyntaxTest, UnknownKeysAndTypes) {
  EXPECT_THAT(MountError("--mount=type=cache,taget=/c"), HasSubstr("unexpected key 'taget' in 'taget=/c'; did you mean target?"));
  EXPECT_THAT(MountError("--mount=type=volume,target=/v"),
              HasSubstr("unsupported mount type \"volume\" (use bind, cache, tmpfs, secret or ssh)"));
  EXPECT_THAT(MountError("--mount=type=cache,target=/c,shared"),
              HasSubstr("invalid field 'shared' must be a key=value pair"));
  EXPECT_THAT(MountError("--mount=type=cache,,target=/c"), HasSubstr("invalid field '' must be a key=value pair"));
  EXPECT_THAT(MountError("--mount="), HasSubstr("empty --mount value"));
}

TEST(MountSyntaxTest, CsvQuoting) {
  // The recipe's own quotes go with the flag's; quotes inside them reach
  // the CSV reader, and quotes left in a value are removed by expansion.
  Mount mount = MountOf("--mount='type=bind,\"target=/a,b\",\"source=\"\"x y\"\"\"'");
  EXPECT_EQ(mount.target, "/a,b");
  EXPECT_EQ(mount.source, "x y");
  EXPECT_THAT(MountError("--mount='type=bind,target=/a\"b'"), HasSubstr("bare \" in non-quoted field"));
  EXPECT_THAT(MountError("--mount='\"type=bind'"), HasSubstr("extraneous or missing \" in quoted field"));
}

TEST(MountSyntaxTest, ErrorNamesTheMountValue) {
  EXPECT_EQ(MountError("--mount=type=cache"),
            "invalid --mount=type=cache: mount type cache requires a target (add target=/path/in/container)");
}

TEST(MountExpansionTest, VariablesWaitForExpansion) {
  Mount parsed = MountOf("--mount=type=cache,target=$DIR,uid=$UID");
  EXPECT_EQ(parsed.target, "");  // not known yet
  EXPECT_EQ(parsed.id, "");      // so no default either
  Mount literal = MountOf("--mount=type=cache,target=\"/a b\"");
  EXPECT_EQ(literal.target, "/a b");
  std::vector<Mount> expanded = ParseMounts({"type=cache,target=$DIR,uid=$UID"},
                                            [](std::string_view value) -> std::optional<std::string> {
                                              if (value == "$DIR") return "/cache/";
                                              return value == "$UID" ? "7" : std::string(value);
                                            });
  EXPECT_EQ(expanded[0].target, "/cache/");
  EXPECT_EQ(expanded[0].id, "/cache");
  EXPECT_EQ(expanded[0].uid, 7u);
}

TEST(MountExpansionTest, TypeFromAVariableDefersTypeChecks) {
  Mount parsed = MountOf("--mount=type=$T,id=x");
  EXPECT_EQ(parsed.id, "x");
  EXPECT_THROW(ParseMounts({"type=$T,id=x"}, [](std::string_view value) -> std::optional<std::string> {
                 return value == "$T" ? "cache" : std::string(value);
               }),
               Error);  // a cache mount needs a target
}

TEST(MountNamesTest, TypeAndSharingNames) {
  EXPECT_EQ(MountTypeName(Mount::Type::kTmpfs), "tmpfs");
  EXPECT_EQ(MountTypeName(Mount::Type::kSsh), "ssh");
  EXPECT_EQ(SharingName(Mount::Sharing::kLocked), "locked");
  EXPECT_EQ(SharingName(Mount::Sharing::kPrivate), "private");
}

}  // namespace
}  // namespace imgbuild::parser
