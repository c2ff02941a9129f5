#include "layers/layer_builder.h"

#include <sys/sysmacros.h>

#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "rich_tree.h"
#include "tree_snapshot.h"
#include "layers/layer_encoder.h"
#include "layers/store.h"
#include "layers/tar_apply.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using testing::MakeDir;
using testing::Snapshot;
using testing::WriteFile;

class LayerBuilderTest : public testing::RootTest {
 protected:
  // sha256 of the blob decompressed by the reference tool of its format.
  static std::string ToolDiffId(const std::string& blob, Compression compression) {
    std::string tool = compression == Compression::kGzip   ? "gzip -dc"
                       : compression == Compression::kZstd ? "zstd -qdc"
                                                           : "cat";
    std::string output;
    EXPECT_EQ(testing::Run(tool + " '" + blob + "' | sha256sum", &output), 0) << output;
    return "sha256:" + output.substr(0, 64);
  }

  // Applies a stored layer to a new directory and returns it.
  std::string Extract(const BuiltLayer& layer, const std::string& name,
                      WhiteoutMode whiteouts = WhiteoutMode::kDelete) {
    std::string target = temp_.path() + "/" + name;
    MakeDir(target);
    ApplyResult applied = ApplyLayerFile(store_.BlobPath(layer.descriptor.digest), target,
                                         {.whiteouts = whiteouts});
    EXPECT_EQ(applied.diff_id, layer.diff_id);
    EXPECT_EQ(applied.uncompressed_bytes, layer.uncompressed_size);
    return target;
  }

  static testing::SnapshotOptions LayerXattrsOnly() {
    testing::SnapshotOptions options;
    options.keep_xattr = [](const std::string& name) { return name != "trusted.secret"; };
    return options;
  }

  TempDir temp_{"layer-builder-"};
  Store store_{temp_.path() + "/store"};
  std::string tree_ = temp_.path() + "/tree";
};

TEST_F(LayerBuilderTest, DirectoryRoundTripsThroughTheStoreInEveryCompression) {
  testing::BuildRichTree(tree_, false);
  for (Compression compression : {Compression::kGzip, Compression::kZstd, Compression::kNone}) {
    std::string name(CompressionName(compression));
    BuiltLayer layer = BuildDirectoryLayer(store_, tree_, {.compression = compression});
    const Descriptor& blob = layer.descriptor;
    EXPECT_EQ(blob.media_type, LayerMediaType(compression)) << name;
    ASSERT_TRUE(store_.HasBlob(blob.digest)) << name;
    std::string path = store_.BlobPath(blob.digest);
    EXPECT_EQ(DigestOfFile(path), blob.digest) << name;
    EXPECT_EQ(store_.BlobSize(blob.digest), blob.size) << name;
    EXPECT_EQ(ToolDiffId(path, compression), layer.diff_id.ToString()) << name;
    if (compression == Compression::kNone) {
      EXPECT_EQ(layer.diff_id, blob.digest);
    }
    EXPECT_GT(layer.entries, 30u) << name;
    EXPECT_EQ(Snapshot(Extract(layer, "out-" + name)), Snapshot(tree_, LayerXattrsOnly()))
        << name;
  }
  EXPECT_TRUE(store_.ListTempFiles().empty());
}

TEST_F(LayerBuilderTest, SameTreeGivesTheSameBlobWhateverTheThreadCount) {
  testing::BuildRichTree(tree_, false);
  testing::BuildRichTree(temp_.path() + "/alternate", true);
  BuiltLayer one = BuildDirectoryLayer(store_, tree_, {.threads = 1});
  BuiltLayer two = BuildDirectoryLayer(store_, temp_.path() + "/alternate", {.threads = 2});
  EXPECT_EQ(one.descriptor, two.descriptor);
  EXPECT_EQ(one.diff_id, two.diff_id);
}

TEST_F(LayerBuilderTest, SourceDateEpochClampsLaterMtimes) {
  MakeDir(tree_);
  WriteFile(tree_ + "/old", "old");
  WriteFile(tree_ + "/new", "new");
  testing::SetMtime(tree_ + "/old", 1000);
  testing::SetMtime(tree_ + "/new", 2000000000);
  BuiltLayer layer = BuildDirectoryLayer(store_, tree_, {.source_date_epoch = 1700000000});
  auto tree = Snapshot(Extract(layer, "out"));
  EXPECT_EQ(tree["old"].mtime, 1000);
  EXPECT_EQ(tree["new"].mtime, 1700000000);
  EXPECT_NE(layer.diff_id, BuildDirectoryLayer(store_, tree_).diff_id);
}

TEST_F(LayerBuilderTest, OverlayUpperBecomesALayerWithWhiteouts) {
  std::string upper = temp_.path() + "/upper";
  MakeDir(upper);
  MakeDir(upper + "/opaque");
  testing::SetXattr(upper + "/opaque", "trusted.overlay.opaque", "y");
  WriteFile(upper + "/opaque/inside", "new content");
  ASSERT_EQ(mknod((upper + "/gone").c_str(), S_IFCHR | 0600, makedev(0, 0)), 0);
  WriteFile(upper + "/changed", "changed");
  BuiltLayer layer = BuildOverlayUpperLayer(store_, upper, {.compression = Compression::kZstd});
  EXPECT_EQ(layer.descriptor.media_type, media_types::kOciLayerZstd);
  EXPECT_EQ(layer.entries, 5u) << "changed, gone's whiteout, opaque/, its marker, inside";
  // Extracted in overlay form, it is the upper directory again.
  std::string out = Extract(layer, "out", WhiteoutMode::kOverlay);
  testing::SnapshotOptions all;
  all.keep_xattr = [](const std::string&) { return true; };
  EXPECT_EQ(Snapshot(out, all), Snapshot(upper, all));
}

TEST_F(LayerBuilderTest, EntriesLayerPlacesAndOverridesCopiedFiles) {
  MakeDir(tree_);
  WriteFile(tree_ + "/app.conf", "conf", 0600);
  BuiltLayer layer = BuildEntriesLayer(
      store_, {{.source = tree_, .destination = "/srv", .recursive = false},
               {.source = tree_ + "/app.conf",
                .destination = "/srv/app.conf",
                .override = {.uid = 1000, .gid = 1000, .mode = 0640}}});
  auto tree = Snapshot(Extract(layer, "out"));
  ASSERT_EQ(tree.size(), 2u);
  EXPECT_EQ(tree["srv/app.conf"].uid, 1000u);
  EXPECT_EQ(tree["srv/app.conf"].perm, 0640u);
}

TEST_F(LayerBuilderTest, FailureStoresNothing) {
  MakeDir(tree_);
  WriteFile(tree_ + "/.wh.reserved", "a name layers reserve");
  EXPECT_THROW(BuildDirectoryLayer(store_, tree_), Error);
  EXPECT_THROW(BuildDirectoryLayer(store_, temp_.path() + "/missing"), Error);
  EXPECT_TRUE(store_.ScanBlobs().blobs.empty());
  EXPECT_TRUE(store_.ListTempFiles().empty());
}

}  // namespace
}  // namespace imgbuild::layers
