#include "layers/tar_apply.h"

#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "rich_tree.h"
#include "tar_fixtures.h"
#include "tree_snapshot.h"
#include "layers/tar_writer.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using testing::MakeTar;
using testing::Snapshot;
using testing::TarSpec;
using testing::WriteFile;

class TarApplyTest : public testing::RootTest {
 protected:
  // Writes a layer of `dir` to a file and returns its path.
  std::string LayerOf(const std::string& dir, const std::string& name = "layer.tar") {
    std::string path = temp_.path() + "/" + name;
    UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT | O_TRUNC);
    FdSink sink(fd.get(), path);
    WriteDirectoryLayer(dir, sink);
    return path;
  }

  std::string Save(const std::string& bytes, const std::string& name = "crafted.tar") {
    std::string path = temp_.path() + "/" + name;
    WriteFile(path, bytes);
    return path;
  }

  std::string NewDir(const std::string& name) {
    std::string path = temp_.path() + "/" + name;
    testing::MakeDir(path);
    return path;
  }

  // BuildRichTree's xattrs minus the one layers drop.
  static testing::SnapshotOptions LayerXattrsOnly() {
    testing::SnapshotOptions options;
    options.keep_xattr = [](const std::string& name) { return name != "trusted.secret"; };
    return options;
  }

  std::string ErrorOf(const std::string& layer, const std::string& target,
                      const ApplyOptions& options = {}) {
    try {
      ApplyLayerFile(layer, target, options);
    } catch (const Error& error) {
      return error.what();
    }
    return "";
  }

  TempDir temp_{"tar-apply-"};
  std::string tree_ = temp_.path() + "/tree";
};

TEST_F(TarApplyTest, RoundTripRestoresEveryKindOfEntry) {
  testing::BuildRichTree(tree_, false);
  std::string layer = LayerOf(tree_);
  std::string target = NewDir("target");
  ApplyResult result = ApplyLayerFile(layer, target);
  EXPECT_EQ(Snapshot(target), Snapshot(tree_, LayerXattrsOnly()));
  EXPECT_EQ(result.diff_id, DigestOfFile(layer));
  EXPECT_EQ(result.uncompressed_bytes, static_cast<uint64_t>(testing::ReadFile(layer).size()));
  // The applied tree writes the very same layer again.
  EXPECT_EQ(DigestOfFile(LayerOf(target, "again.tar")), result.diff_id);
}

TEST_F(TarApplyTest, ReadsGzipAndZstdLayersAndReportsTheUncompressedDigest) {
  testing::BuildRichTree(tree_, false);
  std::string layer = LayerOf(tree_);
  std::string output;
  ASSERT_EQ(testing::Run("gzip -n -k " + layer + " && zstd -q -k " + layer, &output), 0) << output;
  for (const std::string& compressed : {layer + ".gz", layer + ".zst"}) {
    std::string target = NewDir("target" + compressed.substr(compressed.size() - 3));
    ApplyResult result = ApplyLayerFile(compressed, target);
    EXPECT_EQ(result.diff_id, DigestOfFile(layer)) << compressed;
    EXPECT_EQ(Snapshot(target), Snapshot(tree_, LayerXattrsOnly())) << compressed;
  }
}

TEST_F(TarApplyTest, ChecksTheExpectedDiffId) {
  testing::MakeDir(tree_);
  WriteFile(tree_ + "/f", "x");
  std::string layer = LayerOf(tree_);
  ApplyOptions options;
  options.expected_diff_id = DigestOf("something else");
  std::string error = ErrorOf(layer, NewDir("target"), options);
  EXPECT_NE(error.find(DigestOfFile(layer).ToString()), std::string::npos) << error;
  EXPECT_NE(error.find("was expected"), std::string::npos) << error;
  options.expected_diff_id = DigestOfFile(layer);
  EXPECT_EQ(ErrorOf(layer, NewDir("target2"), options), "");
}

TEST_F(TarApplyTest, DiffIdCoversBytesAfterTheEndMarker) {
  std::string tar = MakeTar({{.name = "f", .content = "x"}}) + std::string(4096, '\0');
  std::string layer = Save(tar);
  ApplyResult result = ApplyLayerFile(layer, NewDir("target"));
  EXPECT_EQ(result.diff_id, DigestOf(tar));
  EXPECT_EQ(result.uncompressed_bytes, tar.size());
  EXPECT_EQ(result.entries, 1u);
}

TEST_F(TarApplyTest, EmptyStreamIsAnEmptyLayer) {
  ApplyResult result = ApplyLayerFile(Save(""), NewDir("target"));
  EXPECT_EQ(result.entries, 0u);
  EXPECT_EQ(result.diff_id, DigestOf(""));
}

TEST_F(TarApplyTest, LaterDuplicatesWinIncludingTypeChanges) {
  std::string layer = Save(MakeTar({
      {.name = "file", .content = "first"},
      {.name = "file", .content = "second", .perm = 0600},
      {.name = "dir-then-file/", .type = 'd'},
      {.name = "dir-then-file/child", .content = "gone"},
      {.name = "dir-then-file", .content = "now a file"},
      {.name = "file-then-dir", .content = "gone"},
      {.name = "file-then-dir/", .type = 'd', .perm = 0700},
      {.name = "file-then-dir/child", .content = "kept"},
      {.name = "merged/", .type = 'd', .perm = 0755},
      {.name = "merged/a", .content = "a"},
      {.name = "merged/", .type = 'd', .perm = 0711},
      {.name = "link", .type = 'l', .content = "file"},
      {.name = "link", .content = "a file, not written through the link"},
  }));
  std::string target = NewDir("target");
  ApplyLayerFile(layer, target);
  auto tree = Snapshot(target, {.directory_mtimes = false});
  EXPECT_EQ(testing::ReadFile(target + "/file"), "second");
  EXPECT_EQ(tree["file"].perm, 0600u);
  EXPECT_EQ(tree["dir-then-file"].type, 'f');
  EXPECT_EQ(tree.count("dir-then-file/child"), 0u);
  EXPECT_EQ(tree["file-then-dir"].type, 'd');
  EXPECT_EQ(tree["file-then-dir"].perm, 0700u);
  EXPECT_EQ(testing::ReadFile(target + "/file-then-dir/child"), "kept");
  EXPECT_EQ(tree["merged"].perm, 0711u);
  EXPECT_EQ(testing::ReadFile(target + "/merged/a"), "a");
  EXPECT_EQ(tree["link"].type, 'f');
  EXPECT_EQ(testing::ReadFile(target + "/file"), "second");
}

TEST_F(TarApplyTest, SymlinkedParentsResolveInsideTheTarget) {
  std::string layer = Save(MakeTar({
      {.name = "usr/lib/", .type = 'd'},
      {.name = "lib", .type = 'l', .content = "usr/lib"},
      {.name = "lib/relative", .content = "via relative link"},
      {.name = "abs", .type = 'l', .content = "/usr/lib"},
      {.name = "abs/absolute", .content = "via absolute link"},
      {.name = "up", .type = 'l', .content = "../../../../usr"},
      {.name = "up/lib/clamped", .content = "via .. beyond the root"},
  }));
  std::string target = NewDir("target");
  ApplyLayerFile(layer, target);
  EXPECT_EQ(testing::ReadFile(target + "/usr/lib/relative"), "via relative link");
  EXPECT_EQ(testing::ReadFile(target + "/usr/lib/absolute"), "via absolute link");
  EXPECT_EQ(testing::ReadFile(target + "/usr/lib/clamped"), "via .. beyond the root");
}

TEST_F(TarApplyTest, AppliesLayerXattrsButNeverOverlayOrHostOnes) {
  std::string layer = Save(MakeTar({
      {.name = "dir/", .type = 'd', .xattrs = {{"trusted.overlay.opaque", "y"},
                                               {"user.overlay.redirect", "/elsewhere"},
                                               {"user.kept", "dir"}}},
      {.name = "dir/file", .content = "x", .xattrs = {{"security.capability",
                                                        testing::NetBindCapability()},
                                                       {"trusted.injected", "no"},
                                                       {"user.kept", "file"}}},
  }));
  std::string target = NewDir("target");
  ApplyLayerFile(layer, target);
  auto tree = Snapshot(target, {.keep_xattr = [](const std::string&) { return true; }});
  EXPECT_EQ(tree["dir"].xattrs, (std::map<std::string, std::string>{{"user.kept", "dir"}}));
  EXPECT_EQ(tree["dir/file"].xattrs,
            (std::map<std::string, std::string>{
                {"security.capability", testing::NetBindCapability()}, {"user.kept", "file"}}));
}

TEST_F(TarApplyTest, CreatesMissingParentsAndAppliesTheRootEntry) {
  std::string layer = Save(MakeTar({
      {.name = "./", .type = 'd', .perm = 0700, .uid = 7, .gid = 8, .mtime = 1234},
      {.name = "./a/b/c/file", .content = "deep"},
  }));
  std::string target = NewDir("target");
  ApplyLayerFile(layer, target);
  struct stat st {};
  ASSERT_EQ(stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, 7u);
  EXPECT_EQ(st.st_mtime, 1234);
  auto tree = Snapshot(target, {.directory_mtimes = false});
  EXPECT_EQ(tree["a"].perm, 0755u);
  EXPECT_EQ(tree["a/b/c"].type, 'd');
  EXPECT_EQ(testing::ReadFile(target + "/a/b/c/file"), "deep");
}

TEST_F(TarApplyTest, OverlayModeTurnsWhiteoutsIntoOverlayMarkers) {
  std::string layer = Save(MakeTar({
      {.name = "etc/", .type = 'd'},
      {.name = "etc/.wh.passwd", .content = ""},
      {.name = "var/", .type = 'd', .perm = 0750},
      {.name = "var/.wh..wh..opq", .content = ""},
      {.name = "var/new", .content = "new"},
      {.name = ".wh..wh.plnk", .type = 'd'},
  }));
  std::string target = NewDir("target");
  ApplyLayerFile(layer, target);
  struct stat st {};
  ASSERT_EQ(lstat((target + "/etc/passwd").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  char value[8] = {};
  EXPECT_EQ(lgetxattr((target + "/var").c_str(), "trusted.overlay.opaque", value, sizeof(value)),
            1);
  EXPECT_EQ(value[0], 'y');
  auto tree = Snapshot(target, {.directory_mtimes = false});
  EXPECT_EQ(tree.count("etc/.wh.passwd"), 0u);
  EXPECT_EQ(tree.count("var/.wh..wh..opq"), 0u);
  EXPECT_EQ(tree.count(".wh..wh.plnk"), 0u);  // aufs bookkeeping is ignored
  EXPECT_EQ(tree["var"].perm, 0750u);

  std::string user = NewDir("user");
  ApplyOptions options;
  options.overlay_xattrs = OverlayXattrs::kUser;
  ApplyLayerFile(layer, user, options);
  EXPECT_EQ(lgetxattr((user + "/var").c_str(), "user.overlay.opaque", value, sizeof(value)), 1);
}

TEST_F(TarApplyTest, DeleteModeRemovesWhitedOutPathsAndOpaqueContent) {
  std::string target = NewDir("target");
  ApplyLayerFile(Save(MakeTar({
                     {.name = "etc/passwd", .content = "root"},
                     {.name = "etc/group", .content = "root"},
                     {.name = "var/old", .content = "old"},
                     {.name = "var/keep/old", .content = "old"},
                     {.name = "var/-early", .content = "old"},
                 }),
                      "lower.tar"),
                 target);
  ApplyOptions options;
  options.whiteouts = WhiteoutMode::kDelete;
  ApplyLayerFile(Save(MakeTar({
                     {.name = "etc/.wh.passwd", .content = ""},
                     {.name = "var/-early", .content = "new, before the marker"},
                     {.name = "var/keep/new", .content = "new, parent implicit"},
                     {.name = "var/.wh..wh..opq", .content = ""},
                     {.name = "var/late", .content = "new, after the marker"},
                     {.name = "gone/.wh.nothing", .content = ""},
                 }),
                      "upper.tar"),
                 target, options);
  auto tree = Snapshot(target, {.directory_mtimes = false});
  std::vector<std::string> paths;
  for (const auto& [path, node] : tree) paths.push_back(path);
  EXPECT_EQ(paths, (std::vector<std::string>{"etc", "etc/group", "var", "var/-early", "var/keep",
                                             "var/keep/new", "var/late"}));
  EXPECT_EQ(testing::ReadFile(target + "/var/-early"), "new, before the marker");
}

TEST_F(TarApplyTest, RestoresSparseFilesWithTheirHoles) {
  testing::MakeDir(tree_);
  std::string sparse = tree_ + "/sparse";
  UniqueFd fd = OpenOrThrow(sparse, O_WRONLY | O_CREAT, 0644);
  ASSERT_EQ(pwrite(fd.get(), "head", 4, 0), 4);
  ASSERT_EQ(pwrite(fd.get(), "tail", 4, 8 << 20), 4);
  ASSERT_EQ(ftruncate(fd.get(), (16 << 20)), 0);
  fd.Reset();
  std::string layer = temp_.path() + "/sparse.tar";
  std::string output;
  ASSERT_EQ(testing::Run("tar --sparse --format=gnu -cf " + layer + " -C " + tree_ + " sparse",
                         &output), 0) << output;
  std::string target = NewDir("target");
  ApplyLayerFile(layer, target);
  EXPECT_EQ(DigestOfFile(target + "/sparse"), DigestOfFile(sparse));
  struct stat st {};
  ASSERT_EQ(stat((target + "/sparse").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 16 << 20);
  EXPECT_LT(st.st_blocks * 512, 1 << 20);  // the holes stayed holes
}

TEST_F(TarApplyTest, RejectsStreamsThatAreNotTar) {
  std::string error = ErrorOf(Save("this is not a tar stream, just text\n"), NewDir("target"));
  EXPECT_NE(error.find("Unrecognized archive format"), std::string::npos) << error;
  std::string tar =
      MakeTar({{.name = "first", .content = "1"}, {.name = "second", .content = "2"}});
  error = ErrorOf(Save(tar.substr(0, 1024 + 100)), NewDir("target2"));
  EXPECT_NE(error.find("after entry \"first\""), std::string::npos) << error;
  EXPECT_NE(error.find("Truncated"), std::string::npos) << error;
}

}  // namespace
}  // namespace imgbuild::layers
