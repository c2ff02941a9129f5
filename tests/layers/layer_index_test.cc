// Layer indexes of real tars: every entry type with its metadata, content
// digests of sparse files, duplicates and compressed streams.
#include "layers/layer_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "layers/file_change.h"
#include "layers/sink.h"
#include "layers/tar_writer.h"
#include "tests/layers/layer_test_util.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using testing::MakeDir;
using testing::WriteFile;

class LayerIndexTest : public testing::RootTest {
 protected:
  LayerIndex Index(const std::string& path, const EntryFilter& keep = nullptr) {
    UniqueFd fd = OpenOrThrow(path, O_RDONLY);
    return ReadLayerIndex(fd.get(), path, keep);
  }

  const LayerEntry& Find(const LayerIndex& index, const std::string& path) {
    for (const LayerEntry& entry : index.entries) {
      if (entry.path == path) return entry;
    }
    throw Error("no entry " + path);
  }

  void Tar(const std::string& flags) {
    std::string output;
    ASSERT_EQ(testing::Run("cd '" + tree_ + "' && tar " + flags, &output), 0) << output;
  }

  TempDir dir_{"layer-index-"};
  std::string tree_ = dir_.path() + "/tree";
  std::string tar_ = dir_.path() + "/layer.tar";
};

TEST_F(LayerIndexTest, DescribesEveryEntryTypeSortedByPath) {
  MakeDir(tree_);
  MakeDir(tree_ + "/dir", 0700);
  WriteFile(tree_ + "/dir/file", "data\n", 04755);
  ASSERT_EQ(chown((tree_ + "/dir/file").c_str(), 1234, 5678), 0);
  ASSERT_EQ(chmod((tree_ + "/dir/file").c_str(), 04755), 0) << "chown cleared setuid";
  testing::SetXattr(tree_ + "/dir/file", "user.note", "hi");
  ASSERT_EQ(link((tree_ + "/dir/file").c_str(), (tree_ + "/hard").c_str()), 0);
  ASSERT_EQ(symlink("dir/file", (tree_ + "/soft").c_str()), 0);
  ASSERT_EQ(mknod((tree_ + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(mkfifo((tree_ + "/pipe").c_str(), 0644), 0);
  UniqueFd out = OpenOrThrow(tar_, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  FdSink sink(out.get(), tar_);
  WriteDirectoryLayer(tree_, sink, {.epoch = 1000});

  LayerIndex index = Index(tar_);
  std::vector<std::string> paths;
  for (const LayerEntry& entry : index.entries) paths.push_back(entry.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"dir", "dir/file", "hard", "null", "pipe", "soft"}));
  const LayerEntry& file = Find(index, "dir/file");
  EXPECT_EQ(file.type, EntryType::kFile);
  EXPECT_EQ(file.mode, 04755u);
  EXPECT_EQ(file.uid, 1234);
  EXPECT_EQ(file.gid, 5678);
  EXPECT_EQ(file.mtime, 1000);
  EXPECT_EQ(file.size, 5);
  EXPECT_EQ(file.content, DigestOf("data\n"));
  ASSERT_EQ(file.xattrs.size(), 1u);
  EXPECT_EQ(file.xattrs[0].name, "user.note");
  EXPECT_EQ(file.xattrs[0].value, "hi");
  EXPECT_EQ(Find(index, "dir").mode, 0700u);
  EXPECT_EQ(Find(index, "hard").type, EntryType::kHardlink);
  EXPECT_EQ(Find(index, "hard").link_target, "dir/file");
  EXPECT_EQ(Find(index, "soft").link_target, "dir/file");
  EXPECT_EQ(Find(index, "null").device_major, 1u);
  EXPECT_EQ(Find(index, "null").device_minor, 3u);
  EXPECT_EQ(Find(index, "pipe").type, EntryType::kFifo);
  EXPECT_EQ(index.diff_id, DigestOfFile(tar_));
}

TEST_F(LayerIndexTest, SparseHolesHashAsZerosAndGzipGivesTheSameIndex) {
  MakeDir(tree_);
  std::string sparse = tree_ + "/sparse";
  {
    UniqueFd fd = OpenOrThrow(sparse, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_EQ(pwrite(fd.get(), "middle", 6, 1 << 20), 6);
    ASSERT_EQ(ftruncate(fd.get(), 3 << 20), 0);
  }
  Tar("--sparse --numeric-owner -cf '" + tar_ + "' sparse");
  LayerIndex index = Index(tar_);
  ASSERT_EQ(index.entries.size(), 1u);
  EXPECT_EQ(index.entries[0].size, 3 << 20);
  EXPECT_EQ(index.entries[0].content, DigestOfFile(sparse));

  std::string output;
  ASSERT_EQ(testing::Run("gzip -n -k '" + tar_ + "'", &output), 0) << output;
  LayerIndex gzipped = Index(tar_ + ".gz");
  ASSERT_EQ(gzipped.entries.size(), 1u);
  EXPECT_EQ(gzipped.entries[0].path, "sparse");
  EXPECT_TRUE(CompareEntries(gzipped.entries[0], index.entries[0]).empty());
  EXPECT_EQ(gzipped.diff_id, DigestOfFile(tar_));
}

TEST_F(LayerIndexTest, ALaterDuplicateReplacesTheEarlierOne) {
  MakeDir(tree_);
  WriteFile(tree_ + "/twice", "first\n");
  Tar("-cf '" + tar_ + "' twice");
  WriteFile(tree_ + "/twice", "second\n");
  Tar("-rf '" + tar_ + "' twice");
  LayerIndex index = Index(tar_);
  ASSERT_EQ(index.entries.size(), 1u);
  EXPECT_EQ(index.entries[0].content, DigestOf("second\n"));
}

TEST_F(LayerIndexTest, WhiteoutsAndOpaqueMarkersAreTypedAndNameWhatTheyAffect) {
  MakeDir(tree_);
  MakeDir(tree_ + "/etc");
  WriteFile(tree_ + "/etc/.wh.passwd", "");
  WriteFile(tree_ + "/etc/.wh..wh..opq", "");
  WriteFile(tree_ + "/etc/.wh..wh.plnk", "");
  Tar("-cf '" + tar_ + "' etc");
  LayerIndex index = Index(tar_);
  ASSERT_EQ(index.entries.size(), 3u) << "aufs bookkeeping is left out";
  const LayerEntry& opaque = Find(index, "etc/.wh..wh..opq");
  EXPECT_EQ(opaque.type, EntryType::kOpaque);
  EXPECT_EQ(AffectedPath(opaque), "etc");
  const LayerEntry& whiteout = Find(index, "etc/.wh.passwd");
  EXPECT_EQ(whiteout.type, EntryType::kWhiteout);
  EXPECT_EQ(AffectedPath(whiteout), "etc/passwd");
}

TEST_F(LayerIndexTest, AFilterKeepsAcceptedEntriesAndEveryMarker) {
  MakeDir(tree_);
  MakeDir(tree_ + "/etc");
  WriteFile(tree_ + "/etc/.wh.gone", "");
  WriteFile(tree_ + "/etc/kept", "kept\n");
  WriteFile(tree_ + "/etc/skipped", "skipped\n");
  Tar("--sort=name -cf '" + tar_ + "' etc");
  LayerIndex index = Index(tar_, [](std::string_view path) { return path == "etc/kept"; });
  ASSERT_EQ(index.entries.size(), 2u);
  EXPECT_EQ(index.entries[0].path, "etc/.wh.gone");
  EXPECT_EQ(index.entries[1].path, "etc/kept");
  EXPECT_EQ(index.diff_id, DigestOfFile(tar_)) << "the whole stream is still hashed";
}

TEST_F(LayerIndexTest, AnEscapingPathIsAnErrorNamingTheEntry) {
  MakeDir(tree_);
  WriteFile(tree_ + "/x", "x");
  Tar("--transform 's,^x,../x,' -P -cf '" + tar_ + "' x");
  try {
    Index(tar_);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("\"../x\""), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace imgbuild::layers
