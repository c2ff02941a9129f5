// COPY: source selection (paths, wildcards, symlinks, .dockerignore,
// --exclude, --parents), destination rules, metadata, content digests and
// the stat cache, on real files in a temporary root filesystem.
#include "builder/copy_step.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/builder/copy_testing.h"
#include "layers/xattrs.h"
#include "tests/layers/rich_tree.h"

namespace imgbuild::builder::testing {
namespace {

using ::testing::HasSubstr;

std::string Xattr(const std::string& path, const std::string& name) {
  std::string value(256, '\0');
  ssize_t size = lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
  if (size < 0) return "<none>";
  value.resize(static_cast<size_t>(size));
  return value;
}

// --- sources -------------------------------------------------------------

TEST_F(CopyTest, FileToFileKeepsModeAndMtimeButNotOwner) {
  std::string source = ContextFile("a.txt", "alpha", 0640);
  ASSERT_EQ(chown(source.c_str(), 1234, 5678), 0);
  Run(Copy({"a.txt"}, "/b.txt"));
  struct stat st = Lstat(rootfs_ + "/b.txt");
  EXPECT_EQ(ReadFile(rootfs_ + "/b.txt"), "alpha");
  EXPECT_EQ(st.st_mode, S_IFREG | 0640);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1500000000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 250);
}

TEST_F(CopyTest, StageSourcesKeepTheirOwners) {
  std::string source = ContextFile("a.txt", "alpha");
  ASSERT_EQ(chown(source.c_str(), 1234, 5678), 0);
  ApplyCopy(Prepare(Copy({"a.txt"}, "/b.txt"), nullptr, true), Target());
  EXPECT_EQ(Lstat(rootfs_ + "/b.txt").st_uid, 1234u);
  EXPECT_EQ(Lstat(rootfs_ + "/b.txt").st_gid, 5678u);
}

TEST_F(CopyTest, DirectorySourceCopiesItsContents) {
  ContextDir("dir", 0700);
  ContextFile("dir/x", "x");
  ContextDir("dir/sub", 0750);
  ContextFile("dir/sub/y", "y", 0600);
  Run(Copy({"dir"}, "/dst"));
  EXPECT_EQ(ReadFile(rootfs_ + "/dst/x"), "x");
  EXPECT_EQ(ReadFile(rootfs_ + "/dst/sub/y"), "y");
  EXPECT_FALSE(Exists(rootfs_ + "/dst/dir"));
  EXPECT_EQ(Lstat(rootfs_ + "/dst").st_mode, S_IFDIR | 0755) << "the destination is created, "
                                                                 "not copied";
  EXPECT_EQ(Lstat(rootfs_ + "/dst/sub").st_mode, S_IFDIR | 0750);
  EXPECT_EQ(Lstat(rootfs_ + "/dst/sub/y").st_mode, S_IFREG | 0600);
}

TEST_F(CopyTest, WholeContextWithDot) {
  ContextFile("a", "1");
  ContextDir("d");
  ContextFile("d/b", "2");
  Run(Copy({"."}, "/app/"));
  EXPECT_EQ(ReadFile(rootfs_ + "/app/a"), "1");
  EXPECT_EQ(ReadFile(rootfs_ + "/app/d/b"), "2");
}

TEST_F(CopyTest, MissingPathIsAnErrorNamingIt) {
  std::string message = ErrorOf([&] { Run(Copy({"nope.txt"}, "/")); });
  EXPECT_THAT(message, HasSubstr("Dockerfile:3: COPY: \"nope.txt\" not found in build context"));
}

TEST_F(CopyTest, SourcesStayInsideTheContext) {
  ContextFile("inside.txt", "inside");
  WriteFile(dir_.path() + "/inside.txt", "outside");
  Run(Copy({"../inside.txt"}, "/a"));
  Run(Copy({"/inside.txt"}, "/b"));
  Run(Copy({"../../../../inside.txt"}, "/c"));
  EXPECT_EQ(ReadFile(rootfs_ + "/a"), "inside");
  EXPECT_EQ(ReadFile(rootfs_ + "/b"), "inside");
  EXPECT_EQ(ReadFile(rootfs_ + "/c"), "inside");
}

TEST_F(CopyTest, WildcardsMatchLikeGoFilepathMatch) {
  ContextFile("a.txt", "a");
  ContextFile("b.txt", "b");
  ContextFile("c.md", "c");
  ContextDir("d1");
  ContextFile("d1/x1.c", "x1");
  ContextFile("d1/x22.c", "x22");
  ContextDir("d2");
  ContextFile("d2/x3.c", "x3");
  Run(Copy({"*.txt", "d?/x[0-9].c"}, "/out/"));
  EXPECT_EQ(ReadFile(rootfs_ + "/out/a.txt"), "a");
  EXPECT_EQ(ReadFile(rootfs_ + "/out/b.txt"), "b");
  EXPECT_EQ(ReadFile(rootfs_ + "/out/x1.c"), "x1");
  EXPECT_EQ(ReadFile(rootfs_ + "/out/x3.c"), "x3");
  EXPECT_FALSE(Exists(rootfs_ + "/out/c.md"));
  EXPECT_FALSE(Exists(rootfs_ + "/out/x22.c"));
}

TEST_F(CopyTest, WildcardMatchingNothingIsFineNextToAMatch) {
  ContextFile("pom.xml", "pom");
  Run(Copy({"pom.xml", "target/lib*"}, "/opt/lib/"));
  EXPECT_EQ(ReadFile(rootfs_ + "/opt/lib/pom.xml"), "pom");
}

TEST_F(CopyTest, NothingSelectedAtAllIsAnError) {
  ContextFile("a.txt", "a");
  std::string message = ErrorOf([&] { Run(Copy({"*.nothing", "none[0-9]"}, "/out/")); });
  EXPECT_THAT(message, HasSubstr("Dockerfile:3: COPY: no source files were specified"));
}

TEST_F(CopyTest, WildcardMatchedDirectoriesCopyTheirContents) {
  ContextDir("pkg1");
  ContextFile("pkg1/one", "1");
  ContextDir("pkg2");
  ContextFile("pkg2/two", "2");
  Run(Copy({"pkg*"}, "/all/"));
  EXPECT_EQ(ReadFile(rootfs_ + "/all/one"), "1");
  EXPECT_EQ(ReadFile(rootfs_ + "/all/two"), "2");
}

TEST_F(CopyTest, InvalidPatternIsAnError) {
  std::string message = ErrorOf([&] { Run(Copy({"a["}, "/")); });
  EXPECT_THAT(message, HasSubstr("not a valid pattern"));
}

// --- symlinks --------------------------------------------------------------

TEST_F(CopyTest, SourceSymlinkIsFollowedInsideTheContext) {
  ContextFile("real.txt", "real");
  ASSERT_EQ(symlink("real.txt", (context_ + "/link.txt").c_str()), 0);
  // An absolute target resolves inside the context, not on the host.
  ContextDir("etc");
  ContextFile("etc/hostname", "context hostname");
  ASSERT_EQ(symlink("/etc/hostname", (context_ + "/abs").c_str()), 0);
  Run(Copy({"link.txt"}, "/copied.txt"));
  Run(Copy({"abs"}, "/abs.txt"));
  EXPECT_EQ(Lstat(rootfs_ + "/copied.txt").st_mode & S_IFMT, S_IFREG);
  EXPECT_EQ(ReadFile(rootfs_ + "/copied.txt"), "real");
  EXPECT_EQ(ReadFile(rootfs_ + "/abs.txt"), "context hostname");
}

TEST_F(CopyTest, SourceSymlinkLeadingNowhereIsNotFound) {
  ASSERT_EQ(symlink("/does/not/exist", (context_ + "/dangling").c_str()), 0);
  EXPECT_THAT(ErrorOf([&] { Run(Copy({"dangling"}, "/x")); }), HasSubstr("not found"));
}

TEST_F(CopyTest, SymlinksBelowASourceAreCopiedAsSymlinks) {
  ContextDir("dir");
  ASSERT_EQ(symlink("/etc/passwd", (context_ + "/dir/abs").c_str()), 0);
  ASSERT_EQ(symlink("../../outside", (context_ + "/dir/rel").c_str()), 0);
  Run(Copy({"dir"}, "/d/"));
  char target[64] = {};
  ASSERT_GT(readlink((rootfs_ + "/d/abs").c_str(), target, sizeof(target) - 1), 0);
  EXPECT_STREQ(target, "/etc/passwd");
  EXPECT_EQ(Lstat(rootfs_ + "/d/rel").st_mode & S_IFMT, S_IFLNK);
}

// --- .dockerignore and --exclude ------------------------------------------------

TEST_F(CopyTest, IgnoredPathsDoNotExist) {
  ContextFile("app.c", "c");
  ContextFile("debug.log", "log");
  ContextDir("logs");
  ContextFile("logs/keep.txt", "keep");
  ContextFile("logs/drop.txt", "drop");
  IgnoreRules ignore = IgnoreRules::Parse("*.log\nlogs\n!logs/keep.txt\n", ".dockerignore");
  Run(Copy({"."}, "/out/"), &ignore);
  EXPECT_TRUE(Exists(rootfs_ + "/out/app.c"));
  EXPECT_FALSE(Exists(rootfs_ + "/out/debug.log"));
  EXPECT_EQ(ReadFile(rootfs_ + "/out/logs/keep.txt"), "keep");
  EXPECT_FALSE(Exists(rootfs_ + "/out/logs/drop.txt"));
  std::string message = ErrorOf([&] { Run(Copy({"debug.log"}, "/"), &ignore); });
  EXPECT_THAT(message, HasSubstr("\"debug.log\" not found in build context"));
  EXPECT_THAT(message, HasSubstr(".dockerignore"));
  EXPECT_THAT(ErrorOf([&] { Run(Copy({"*.log"}, "/"), &ignore); }),
              HasSubstr("no source files were specified"));
}

TEST_F(CopyTest, ExcludedDirectoryExistsOnlyForWhatIsReincluded) {
  ContextDir("docs");
  ContextFile("docs/README.md", "readme");
  ContextFile("docs/internal.md", "internal");
  ContextDir("secrets");
  ContextFile("secrets/key", "key");
  IgnoreRules ignore = IgnoreRules::Parse("docs\nsecrets\n!docs/README.md\n", ".dockerignore");
  Run(Copy({"docs"}, "/docs/"), &ignore);
  EXPECT_EQ(ReadFile(rootfs_ + "/docs/README.md"), "readme");
  EXPECT_FALSE(Exists(rootfs_ + "/docs/internal.md"));
  EXPECT_THAT(ErrorOf([&] { Run(Copy({"secrets"}, "/s/"), &ignore); }),
              HasSubstr("\"secrets\" not found in build context"));
  EXPECT_THAT(ErrorOf([&] { Run(Copy({"secr*"}, "/s/"), &ignore); }),
              HasSubstr("no source files were specified"));
}

TEST_F(CopyTest, IgnoredRecipeIsNotInTheContext) {
  ContextFile("Dockerfile", "FROM scratch\n");
  ContextFile(".dockerignore", "Dockerfile\n.dockerignore\n");
  ContextFile("a", "a");
  IgnoreRules ignore = IgnoreRules::ForBuild(context_, context_ + "/Dockerfile");
  Run(Copy({"."}, "/out/"), &ignore);
  EXPECT_TRUE(Exists(rootfs_ + "/out/a"));
  EXPECT_FALSE(Exists(rootfs_ + "/out/Dockerfile"));
  EXPECT_FALSE(Exists(rootfs_ + "/out/.dockerignore"));
}

TEST_F(CopyTest, ExcludeDropsMatchesBelowTheSource) {
  ContextDir("dir");
  ContextFile("dir/keep.c", "c");
  ContextFile("dir/drop.tmp", "tmp");
  ContextDir("dir/cache");
  ContextFile("dir/cache/x", "x");
  ContextFile("home.txt", "t");
  ContextFile("home.md", "m");
  parser::CopyCommand copy = Copy({"dir", "hom*"}, "/out/");
  copy.excludes = {"*.tmp", "cache", "*.txt"};
  Run(copy);
  EXPECT_TRUE(Exists(rootfs_ + "/out/keep.c"));
  EXPECT_FALSE(Exists(rootfs_ + "/out/drop.tmp"));
  EXPECT_FALSE(Exists(rootfs_ + "/out/cache"));
  EXPECT_TRUE(Exists(rootfs_ + "/out/home.md"));
  EXPECT_FALSE(Exists(rootfs_ + "/out/home.txt"));
}

TEST_F(CopyTest, ParentsKeepThePathBelowTheRootOrPivot) {
  ContextDir("a", 0750);
  ContextDir("a/b");
  ContextFile("a/b/x.txt", "x");
  ContextFile("a/b/y.md", "y");
  parser::CopyCommand copy = Copy({"a/b/*.txt"}, "/out/");
  copy.parents = true;
  Run(copy);
  EXPECT_EQ(ReadFile(rootfs_ + "/out/a/b/x.txt"), "x");
  EXPECT_FALSE(Exists(rootfs_ + "/out/a/b/y.md"));
  EXPECT_EQ(Lstat(rootfs_ + "/out/a").st_mode, S_IFDIR | 0750) << "parents keep their metadata";
  parser::CopyCommand pivot = Copy({"a/./b/y.md"}, "/pivot/");
  pivot.parents = true;
  Run(pivot);
  EXPECT_EQ(ReadFile(rootfs_ + "/pivot/b/y.md"), "y");
}

// --- destinations -----------------------------------------------------------

TEST_F(CopyTest, TrailingSlashOrExistingDirectoryMeansInto) {
  ContextFile("a.txt", "a");
  MakeDir(rootfs_ + "/existing");
  Run(Copy({"a.txt"}, "/new/"));
  Run(Copy({"a.txt"}, "/existing"));
  EXPECT_EQ(ReadFile(rootfs_ + "/new/a.txt"), "a");
  EXPECT_EQ(ReadFile(rootfs_ + "/existing/a.txt"), "a");
  EXPECT_EQ(Lstat(rootfs_ + "/new").st_mode, S_IFDIR | 0755);
  EXPECT_EQ(Lstat(rootfs_ + "/new").st_uid, 0u);
}

TEST_F(CopyTest, RelativeDestinationStartsAtWorkdir) {
  ContextFile("a.txt", "a");
  ApplyCopy(Prepare(Copy({"a.txt"}, ".")), Target("/app"));
  ApplyCopy(Prepare(Copy({"a.txt"}, "sub/b.txt")), Target("/app"));
  ApplyCopy(Prepare(Copy({"a.txt"}, "../../../up.txt")), Target("/app"));
  EXPECT_EQ(ReadFile(rootfs_ + "/app/a.txt"), "a");
  EXPECT_EQ(ReadFile(rootfs_ + "/app/sub/b.txt"), "a");
  EXPECT_EQ(ReadFile(rootfs_ + "/up.txt"), "a");
}

TEST_F(CopyTest, SeveralSourcesMeanADirectory) {
  ContextFile("a", "1");
  ContextFile("b", "2");
  Run(Copy({"a", "b"}, "/out"));
  EXPECT_EQ(ReadFile(rootfs_ + "/out/a"), "1");
  EXPECT_EQ(ReadFile(rootfs_ + "/out/b"), "2");
  WriteFile(rootfs_ + "/file", "f");
  EXPECT_THAT(ErrorOf([&] { Run(Copy({"a", "b"}, "/file")); }), HasSubstr("/file"));
}

TEST_F(CopyTest, FileReplacesFileButNotDirectory) {
  ContextFile("a", "new");
  WriteFile(rootfs_ + "/a", "old content");
  Run(Copy({"a"}, "/a"));
  EXPECT_EQ(ReadFile(rootfs_ + "/a"), "new");
  ContextDir("d");
  ContextDir("d/x");
  ContextFile("x", "file");
  MakeDir(rootfs_ + "/t");
  MakeDir(rootfs_ + "/t/x");
  Run(Copy({"x"}, "/t/x"));  // an existing directory: into it
  EXPECT_EQ(ReadFile(rootfs_ + "/t/x/x"), "file");
  EXPECT_THAT(ErrorOf([&] { Run(Copy({"x"}, "/t/")); }), HasSubstr("cannot replace"));
  WriteFile(rootfs_ + "/u", "file");
  EXPECT_THAT(ErrorOf([&] { Run(Copy({"d"}, "/u")); }), HasSubstr("/u"));
}

TEST_F(CopyTest, DirectoryMergesIntoExistingDirectory) {
  ContextDir("d");
  ContextDir("d/sub", 0700);
  ContextFile("d/sub/new", "new");
  MakeDir(rootfs_ + "/t");
  MakeDir(rootfs_ + "/t/sub", 0777);
  WriteFile(rootfs_ + "/t/sub/old", "old");
  Run(Copy({"d"}, "/t"));
  EXPECT_EQ(ReadFile(rootfs_ + "/t/sub/old"), "old");
  EXPECT_EQ(ReadFile(rootfs_ + "/t/sub/new"), "new");
  EXPECT_EQ(Lstat(rootfs_ + "/t/sub").st_mode, S_IFDIR | 0700) << "takes the copied metadata";
}

TEST_F(CopyTest, DestinationSymlinksResolveInsideTheRootfs) {
  ContextFile("a.txt", "a");
  MakeDir(rootfs_ + "/target");
  ASSERT_EQ(symlink("/target", (rootfs_ + "/link").c_str()), 0);
  ASSERT_EQ(symlink("../../../../../escape", (rootfs_ + "/up").c_str()), 0);
  Run(Copy({"a.txt"}, "/link/"));
  Run(Copy({"a.txt"}, "/up/"));
  EXPECT_EQ(ReadFile(rootfs_ + "/target/a.txt"), "a");
  EXPECT_EQ(ReadFile(rootfs_ + "/escape/a.txt"), "a");
  EXPECT_FALSE(Exists(dir_.path() + "/escape"));
  EXPECT_FALSE(Exists("/escape"));
}

TEST_F(CopyTest, ExistingDestinationFileSymlinkIsFollowed) {
  ContextFile("zone", "UTC");
  MakeDir(rootfs_ + "/etc");
  MakeDir(rootfs_ + "/zoneinfo");
  WriteFile(rootfs_ + "/zoneinfo/Berlin", "CET");
  ASSERT_EQ(symlink("/zoneinfo/Berlin", (rootfs_ + "/etc/localtime").c_str()), 0);
  Run(Copy({"zone"}, "/etc/localtime"));
  EXPECT_EQ(Lstat(rootfs_ + "/etc/localtime").st_mode & S_IFMT, S_IFLNK);
  EXPECT_EQ(ReadFile(rootfs_ + "/zoneinfo/Berlin"), "UTC");
}

// --- metadata ------------------------------------------------------------------

TEST_F(CopyTest, SpecialBitsXattrsHardlinksAndNodesAreKept) {
  ContextDir("t");
  ContextFile("t/suid", "s", 04755);
  ContextDir("t/sticky", 01777);
  layers::testing::SetXattr(context_ + "/t/sticky", "user.dir", "on a directory");
  ContextDir("t/sgid", 02755);
  ContextFile("t/cap", "c");
  layers::testing::SetXattr(context_ + "/t/cap", "security.capability",
                            layers::testing::NetBindCapability());
  layers::testing::SetXattr(context_ + "/t/cap", "user.note", "hello");
  layers::testing::SetXattr(context_ + "/t/cap", "trusted.secret", "host only");
  ContextFile("t/one", "linked");
  ASSERT_EQ(link((context_ + "/t/one").c_str(), (context_ + "/t/two").c_str()), 0);
  ASSERT_EQ(mkfifo((context_ + "/t/fifo").c_str(), 0600), 0);
  ASSERT_EQ(chmod((context_ + "/t/fifo").c_str(), 0640), 0);
  ASSERT_EQ(mknod((context_ + "/t/null").c_str(), S_IFCHR | 0600, makedev(1, 3)), 0);
  ASSERT_EQ(chmod((context_ + "/t/null").c_str(), 0666), 0);
  Run(Copy({"t"}, "/t"));
  EXPECT_EQ(Lstat(rootfs_ + "/t/suid").st_mode, S_IFREG | 04755);
  EXPECT_EQ(Lstat(rootfs_ + "/t/sticky").st_mode, S_IFDIR | 01777);
  EXPECT_EQ(Lstat(rootfs_ + "/t/sgid").st_mode, S_IFDIR | 02755);
  EXPECT_EQ(Xattr(rootfs_ + "/t/sticky", "user.dir"), "on a directory");
  EXPECT_EQ(Xattr(rootfs_ + "/t/cap", "security.capability"),
            layers::testing::NetBindCapability());
  EXPECT_EQ(Xattr(rootfs_ + "/t/cap", "user.note"), "hello");
  EXPECT_EQ(Xattr(rootfs_ + "/t/cap", "trusted.secret"), "<none>");
  EXPECT_EQ(Lstat(rootfs_ + "/t/one").st_ino, Lstat(rootfs_ + "/t/two").st_ino);
  EXPECT_EQ(Lstat(rootfs_ + "/t/fifo").st_mode, S_IFIFO | 0640);
  EXPECT_EQ(Lstat(rootfs_ + "/t/null").st_mode, S_IFCHR | 0666);
  EXPECT_EQ(Lstat(rootfs_ + "/t/null").st_rdev, makedev(1, 3));
}

TEST_F(CopyTest, ChownAppliesToEverythingCopiedAndCreated) {
  ContextDir("d");
  ContextFile("d/f", "f", 04755);
  ASSERT_EQ(symlink("f", (context_ + "/d/l").c_str()), 0);
  CopyTarget target = Target();
  target.uid = 1000;
  target.gid = 2000;
  ApplyCopy(Prepare(Copy({"d"}, "/new/parent/")), target);
  for (const char* path : {"/new", "/new/parent", "/new/parent/f", "/new/parent/l"}) {
    struct stat st = Lstat(rootfs_ + path);
    EXPECT_EQ(st.st_uid, 1000u) << path;
    EXPECT_EQ(st.st_gid, 2000u) << path;
  }
  EXPECT_EQ(Lstat(rootfs_ + "/new/parent/f").st_mode, S_IFREG | 04755) << "setuid survives chown";
  target.gid.reset();
  ApplyCopy(Prepare(Copy({"d/f"}, "/g")), target);
  EXPECT_EQ(Lstat(rootfs_ + "/g").st_gid, 1000u) << "a numeric user alone is also the group";
}

TEST_F(CopyTest, ChmodAppliesToFilesAndDirectories) {
  ContextDir("d", 0700);
  ContextDir("d/sub", 0700);
  ContextFile("d/sub/f", "f", 0600);
  CopyTarget target = Target();
  target.chmod = parser::ChmodSpec::Parse("755");
  ApplyCopy(Prepare(Copy({"d"}, "/octal")), target);
  EXPECT_EQ(Lstat(rootfs_ + "/octal/sub").st_mode, S_IFDIR | 0755);
  EXPECT_EQ(Lstat(rootfs_ + "/octal/sub/f").st_mode, S_IFREG | 0755);
  target.chmod = parser::ChmodSpec::Parse("go+rX");
  ApplyCopy(Prepare(Copy({"d"}, "/symbolic")), target);
  EXPECT_EQ(Lstat(rootfs_ + "/symbolic/sub").st_mode, S_IFDIR | 0755);
  EXPECT_EQ(Lstat(rootfs_ + "/symbolic/sub/f").st_mode, S_IFREG | 0644);
}

TEST_F(CopyTest, RichTreeIsCopiedFaithfully) {
  std::string tree = context_ + "/rich";
  layers::testing::BuildRichTree(tree, false);
  ApplyCopy(Prepare(Copy({"rich"}, "/copy/"), nullptr, true), Target());
  layers::testing::SnapshotOptions options;
  options.directory_mtimes = false;  // the copy's top directory is created, not copied
  options.keep_xattr = [](const std::string& name) { return layers::IsLayerXattr(name); };
  auto source = layers::testing::Snapshot(tree, options);
  auto copied = layers::testing::Snapshot(rootfs_ + "/copy", options);
  source.erase("");
  copied.erase("");
  EXPECT_EQ(copied, source);
}

// --- heredocs ----------------------------------------------------------------

TEST_F(CopyTest, HeredocSourcesBecomeFiles) {
  parser::CopyCommand copy = Copy({"<<EOF", "<<conf"}, "/etc/");
  copy.heredocs = {{"EOF", "hello\n", true, false}, {"conf", "key=value\n", false, false}};
  Run(copy);
  EXPECT_EQ(ReadFile(rootfs_ + "/etc/EOF"), "hello\n");
  EXPECT_EQ(ReadFile(rootfs_ + "/etc/conf"), "key=value\n");
  EXPECT_EQ(Lstat(rootfs_ + "/etc/conf").st_mode, S_IFREG | 0644);
  parser::CopyCommand single = Copy({"<<EOF"}, "/script.sh");
  single.heredocs = {{"EOF", "echo hi\n", true, false}};
  MakeDir(staging_ + "/second");
  ApplyCopy(PrepareCopy(single, SourceTree{context_, nullptr, "build context"}, stat_cache_,
                        {"Dockerfile:9", staging_ + "/second", nullptr}),
            Target());
  EXPECT_EQ(ReadFile(rootfs_ + "/script.sh"), "echo hi\n");
}

// --- content digest and stat cache ----------------------------------------------

class CopyDigestTest : public CopyTest {
 protected:
  layers::Digest DigestOf(const std::string& source, const std::string& tree_root) {
    SourceTree tree{tree_root, nullptr, "build context"};
    CopyPreparation how{"Dockerfile:1", staging_, nullptr};
    return PrepareCopy(Copy({source}, "/x/"), tree, stat_cache_, how).content_digest();
  }
  void MakeTree(const std::string& root) {
    MakeDir(root);
    MakeDir(root + "/src");
    WriteFile(root + "/src/main.c", "int main() {}\n");
    WriteFile(root + "/src/run.sh", "#!/bin/sh\n", 0755);
    ASSERT_EQ(symlink("main.c", (root + "/src/link").c_str()), 0);
  }
};

TEST_F(CopyDigestTest, SameContentElsewhereAndLaterGivesTheSameDigest) {
  MakeTree(dir_.path() + "/one");
  MakeTree(dir_.path() + "/two");
  SetMtime(dir_.path() + "/two/src/main.c", 1000);
  layers::Digest one = DigestOf("src", dir_.path() + "/one");
  EXPECT_EQ(DigestOf("src", dir_.path() + "/two"), one);
  WriteFile(dir_.path() + "/two/src/main.c", "int main() {}\r");
  EXPECT_NE(DigestOf("src", dir_.path() + "/two"), one) << "a changed byte";
  WriteFile(dir_.path() + "/two/src/main.c", "int main() {}\n");
  EXPECT_EQ(DigestOf("src", dir_.path() + "/two"), one);
  ASSERT_EQ(chmod((dir_.path() + "/two/src/run.sh").c_str(), 0700), 0);
  EXPECT_NE(DigestOf("src", dir_.path() + "/two"), one) << "a changed mode";
  ASSERT_EQ(chmod((dir_.path() + "/two/src/run.sh").c_str(), 0755), 0);
  ASSERT_EQ(rename((dir_.path() + "/two/src/run.sh").c_str(),
                   (dir_.path() + "/two/src/run2.sh").c_str()), 0);
  EXPECT_NE(DigestOf("src", dir_.path() + "/two"), one) << "a changed name";
}

TEST_F(CopyDigestTest, SecondPrepareOfUnchangedTreeReadsNothing) {
  ContextDir("big");
  for (int i = 0; i < 200; ++i) {
    ContextFile("big/f" + std::to_string(i), "content " + std::to_string(i));
  }
  std::string cache_file = dir_.path() + "/statcache";
  {
    StatCache cache = StatCache::Load(cache_file);
    SourceTree tree{context_, nullptr, "build context"};
    PreparedCopy first = PrepareCopy(Copy({"big"}, "/"), tree, cache, {"D:1", staging_, nullptr});
    EXPECT_EQ(cache.files_read(), 200u);
    EXPECT_EQ(first.object_count(), 201u);
    cache.Save(cache_file);
  }
  StatCache cache = StatCache::Load(cache_file);
  SourceTree tree{context_, nullptr, "build context"};
  PreparedCopy second = PrepareCopy(Copy({"big"}, "/"), tree, cache, {"D:1", staging_, nullptr});
  EXPECT_EQ(cache.files_read(), 0u);
  ContextFile("big/f7", "changed!!");  // same size and mtime: the ctime tells
  PreparedCopy third = PrepareCopy(Copy({"big"}, "/"), tree, cache, {"D:1", staging_, nullptr});
  EXPECT_EQ(cache.files_read(), 1u);
  EXPECT_NE(third.content_digest(), second.content_digest());
}

TEST_F(CopyTest, LinkIsAPlainCopy) {
  ContextFile("a", "a");
  parser::CopyCommand copy = Copy({"a"}, "/linked");
  copy.link = true;
  Run(copy);
  EXPECT_EQ(ReadFile(rootfs_ + "/linked"), "a");
}

TEST_F(CopyTest, CancelledWalkStops) {
  ContextDir("many");
  for (int i = 0; i < 300; ++i) ContextFile("many/" + std::to_string(i), "x");
  CancelToken cancel;
  cancel.Cancel();
  SourceTree tree{context_, nullptr, "build context"};
  std::string message = ErrorOf([&] {
    PrepareCopy(Copy({"many"}, "/"), tree, stat_cache_, {"Dockerfile:3", staging_, &cancel});
  });
  EXPECT_THAT(message, HasSubstr("cancelled"));
}

TEST_F(CopyTest, SourceChangedAfterPreparingIsAnError) {
  ContextFile("a", "before");
  PreparedCopy prepared = Prepare(Copy({"a"}, "/a"));
  ContextFile("a", "after, longer");
  EXPECT_THAT(ErrorOf([&] { ApplyCopy(prepared, Target()); }), HasSubstr("changed"));
}

}  // namespace
}  // namespace imgbuild::builder::testing
