// ADD: local archives (by content, every compression Docker reads, never
// outside the destination), --unpack, URLs, checksums, git URLs and the
// errors BuildKit gives for URL misuse.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "builder/copy_step.h"
#include "tests/builder/copy_testing.h"
#include "tests/builder/http_test_server.h"
#include "tests/layers/tar_fixtures.h"

namespace imgbuild::builder::testing {
namespace {

using ::testing::HasSubstr;

int Shell(const std::string& command) { return layers::testing::Run(command); }

class AddTest : public CopyTest {
 protected:
  void SetUp() override {
    CopyTest::SetUp();
    for (const char* tool : {"tar", "gzip", "bzip2", "xz", "zstd"}) {
      ASSERT_EQ(Shell(std::string("command -v ") + tool), 0)
          << tool << " is needed to build test archives; install it (scripts/setup.sh)";
    }
  }
  // context/<name>: a tar of a small tree owned by 1234:1234, then compressed.
  void MakeArchive(const std::string& name, const std::string& compressor) {
    std::string tree = dir_.path() + "/tree";
    if (!Exists(tree)) {
      MakeDir(tree);
      MakeDir(tree + "/sub", 0750);
      WriteFile(tree + "/a.txt", "alpha", 0640);
      WriteFile(tree + "/sub/b.txt", "beta");
      SetMtime(tree + "/a.txt", 1400000000);
      ASSERT_EQ(Shell("chown -R 1234:1234 " + tree), 0);
    }
    std::string command = "tar -C " + tree + " -cf - . | " + compressor + " > " + context_ + "/" +
                          name;
    ASSERT_EQ(Shell(command), 0) << command;
  }
  void ExpectExtracted(const std::string& dir) {
    EXPECT_EQ(ReadFile(dir + "/a.txt"), "alpha") << dir;
    EXPECT_EQ(ReadFile(dir + "/sub/b.txt"), "beta") << dir;
    EXPECT_EQ(Lstat(dir + "/a.txt").st_mode, S_IFREG | 0640) << dir;
    EXPECT_EQ(Lstat(dir + "/a.txt").st_mtime, 1400000000) << dir;
    EXPECT_EQ(Lstat(dir + "/sub").st_mode, S_IFDIR | 0750) << dir;
  }
};

TEST_F(AddTest, EveryCompressionIsExtracted) {
  const std::pair<const char*, const char*> kinds[] = {
      {"plain.tar", "cat"}, {"gz.tgz", "gzip"}, {"bz.tar.bz2", "bzip2"},
      {"xz.tar.xz", "xz"},  {"zst.tar.zst", "zstd -q"}};
  for (const auto& [name, compressor] : kinds) {
    MakeArchive(name, compressor);
    ApplyCopy(Prepare(Add({name}, std::string("/x/") + name)), Target());
    ExpectExtracted(rootfs_ + "/x/" + name);
  }
  EXPECT_EQ(Lstat(rootfs_ + "/x/gz.tgz/a.txt").st_uid, 1234u) << "archive owners are kept";
}

TEST_F(AddTest, ArchivesAreRecognisedByContentNotName) {
  MakeArchive("data.bin", "gzip");
  ContextFile("notes.tar.gz", "just text");
  Run(Add({"data.bin", "notes.tar.gz"}, "/dst/"));
  ExpectExtracted(rootfs_ + "/dst");
  EXPECT_EQ(ReadFile(rootfs_ + "/dst/notes.tar.gz"), "just text");
}

TEST_F(AddTest, CorruptOrEmptyArchivesAreCopiedAsFiles) {
  ContextFile("broken.tar.gz", std::string("\x1f\x8b\x08\x00garbage", 12));
  ContextFile("empty.tar", "");
  Run(Add({"broken.tar.gz", "empty.tar"}, "/dst/"));
  EXPECT_EQ(Lstat(rootfs_ + "/dst/broken.tar.gz").st_size, 12);
  EXPECT_EQ(Lstat(rootfs_ + "/dst/empty.tar").st_mode & S_IFMT, S_IFREG);
}

TEST_F(AddTest, UnpackFalseCopiesTheArchive) {
  MakeArchive("a.tar.gz", "gzip");
  parser::CopyCommand add = Add({"a.tar.gz"}, "/dst/");
  add.unpack = false;
  Run(add);
  EXPECT_EQ(Lstat(rootfs_ + "/dst/a.tar.gz").st_mode & S_IFMT, S_IFREG);
  Run(Copy({"a.tar.gz"}, "/copy/"));
  EXPECT_EQ(Lstat(rootfs_ + "/copy/a.tar.gz").st_mode & S_IFMT, S_IFREG) << "COPY never extracts";
}

TEST_F(AddTest, ChownOverridesArchiveOwners) {
  MakeArchive("a.tar", "cat");
  CopyTarget target = Target();
  target.uid = 7;
  target.gid = 8;
  ApplyCopy(Prepare(Add({"a.tar"}, "/owned")), target);
  EXPECT_EQ(Lstat(rootfs_ + "/owned/sub/b.txt").st_uid, 7u);
  EXPECT_EQ(Lstat(rootfs_ + "/owned/sub/b.txt").st_gid, 8u);
  EXPECT_EQ(Lstat(rootfs_ + "/owned").st_uid, 7u);
}

TEST_F(AddTest, WhiteoutNamesAreOrdinaryFilesAndNothingLeavesTheDestination) {
  using layers::testing::TarSpec;
  WriteFile(context_ + "/tricky.tar",
            layers::testing::MakeTar({TarSpec{.name = ".wh.keep", .content = "x"},
                                      TarSpec{.name = ".wh..wh..opq", .content = "x"},
                                      TarSpec{.name = "root", .type = 'l', .content = "/"},
                                      TarSpec{.name = "root/etc/planted", .content = "inside"},
                                      TarSpec{.name = "up", .type = 'l', .content = "../../.."},
                                      TarSpec{.name = "up/escaped", .content = "inside too"}}));
  MakeDir(rootfs_ + "/dst");
  WriteFile(rootfs_ + "/dst/keep", "kept");
  Run(Add({"tricky.tar"}, "/dst"));
  EXPECT_EQ(ReadFile(rootfs_ + "/dst/keep"), "kept");
  EXPECT_TRUE(Exists(rootfs_ + "/dst/.wh.keep"));
  EXPECT_TRUE(Exists(rootfs_ + "/dst/.wh..wh..opq"));
  EXPECT_EQ(ReadFile(rootfs_ + "/dst/etc/planted"), "inside");
  EXPECT_EQ(ReadFile(rootfs_ + "/dst/escaped"), "inside too");
  EXPECT_FALSE(Exists(rootfs_ + "/etc/planted"));
  EXPECT_FALSE(Exists(rootfs_ + "/escaped"));
}

TEST_F(AddTest, DotDotMemberIsRefused) {
  WriteFile(context_ + "/evil.tar",
            layers::testing::MakeTar({{.name = "../evil", .content = "evil"}}));
  std::string message = ErrorOf([&] { Run(Add({"evil.tar"}, "/dst/")); });
  EXPECT_THAT(message, HasSubstr("Dockerfile:3: ADD"));
  EXPECT_THAT(message, HasSubstr("../evil"));
  EXPECT_FALSE(Exists(rootfs_ + "/evil"));
}

TEST_F(AddTest, ArchivesInsideADirectoryAreNotExtracted) {
  ContextDir("dir");
  MakeArchive("dir/inner.tar", "cat");
  Run(Add({"dir"}, "/dst/"));
  EXPECT_EQ(Lstat(rootfs_ + "/dst/inner.tar").st_mode & S_IFMT, S_IFREG);
}

TEST_F(AddTest, UrlsAreDownloadedNotExtracted) {
  TestHttpServer server;
  MakeArchive("served.tar.gz", "gzip");
  std::string archive = ReadFile(context_ + "/served.tar.gz");
  server.Serve("/dl/served.tar.gz", {200, archive, "", false});
  server.Serve("/dl/tool", {200, "tool", "Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n",
                            false});
  Run(Add({server.Url("/dl/served.tar.gz"), server.Url("/dl/tool")}, "/opt/"));
  EXPECT_EQ(ReadFile(rootfs_ + "/opt/served.tar.gz"), archive);
  EXPECT_EQ(Lstat(rootfs_ + "/opt/tool").st_mode, S_IFREG | 0600);
  EXPECT_EQ(Lstat(rootfs_ + "/opt/tool").st_mtime, 1445412480);
  EXPECT_EQ(Lstat(rootfs_ + "/opt/tool").st_uid, 0u);
  MakeDir(staging_ + "/2");
  parser::CopyCommand unpack = Add({server.Url("/dl/served.tar.gz")}, "/unpacked");
  unpack.unpack = true;
  ApplyCopy(PrepareCopy(unpack, SourceTree{context_, nullptr, "build context"}, stat_cache_,
                        {"Dockerfile:3", staging_ + "/2", nullptr}),
            Target());
  ExpectExtracted(rootfs_ + "/unpacked");
}

TEST_F(AddTest, UrlToAFileDestinationAndItsDigest) {
  TestHttpServer server;
  server.Serve("/v1", {200, "version one", "", false});
  server.Serve("/v1-again", {200, "version one", "", false});
  server.Serve("/v2", {200, "version two", "", false});
  auto digest = [&](const std::string& path, const std::string& staging) {
    MakeDir(staging);
    return PrepareCopy(Add({server.Url(path)}, "/bin/tool"),
                       SourceTree{context_, nullptr, "build context"}, stat_cache_,
                       {"Dockerfile:3", staging, nullptr})
        .content_digest();
  };
  EXPECT_NE(digest("/v1", staging_ + "/a"), digest("/v2", staging_ + "/b"));
  EXPECT_EQ(digest("/v1", staging_ + "/c"), digest("/v1", staging_ + "/d"));
  Run(Add({server.Url("/v2")}, "/bin/tool"));
  EXPECT_EQ(ReadFile(rootfs_ + "/bin/tool"), "version two");
}

TEST_F(AddTest, ChecksumMismatchNamesUrlExpectedAndActual) {
  TestHttpServer server;
  server.Serve("/f", {200, "content", "", false});
  parser::CopyCommand add = Add({server.Url("/f")}, "/f");
  add.checksum = "sha256:" + std::string(64, 'a');
  std::string message = ErrorOf([&] { Run(add); });
  EXPECT_THAT(message, HasSubstr("Dockerfile:3: ADD"));
  EXPECT_THAT(message, HasSubstr(server.Url("/f")));
  EXPECT_THAT(message, HasSubstr(add.checksum));
  EXPECT_THAT(message, HasSubstr(layers::DigestOf("content").ToString()));
  add.checksum = layers::DigestOf("content").ToString();
  MakeDir(staging_ + "/ok");
  EXPECT_NO_THROW(PrepareCopy(add, SourceTree{context_, nullptr, "build context"}, stat_cache_,
                              {"Dockerfile:3", staging_ + "/ok", nullptr}));
}

TEST_F(AddTest, MisusedSourcesAreErrors) {
  ContextFile("local", "l");
  EXPECT_THAT(ErrorOf([&] { Run(Add({"https://github.com/moby/buildkit.git"}, "/src")); }),
              HasSubstr("not supported yet"));
  EXPECT_THAT(ErrorOf([&] { Run(Copy({"https://example.com/x"}, "/x")); }),
              HasSubstr("source can't be a URL for COPY"));
  parser::CopyCommand add = Add({"local"}, "/x");
  add.checksum = "sha256:" + std::string(64, 'a');
  EXPECT_THAT(ErrorOf([&] { Run(add); }), HasSubstr("requires an HTTP(S) source"));
}

TEST_F(AddTest, HeredocsWorkWithAddToo) {
  parser::CopyCommand add = Add({"<<EOF"}, "/etc/motd");
  add.heredocs = {{"EOF", "welcome\n", true, false}};
  Run(add);
  EXPECT_EQ(ReadFile(rootfs_ + "/etc/motd"), "welcome\n");
}

}  // namespace
}  // namespace imgbuild::builder::testing
