#include "layers/tar_writer.h"

#include <clocale>

#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "rich_tree.h"
#include "tar_fixtures.h"
#include "tree_snapshot.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using testing::BuildRichTree;
using testing::ReadEntry;
using testing::ReadTar;
using testing::StringSink;
using testing::WriteFile;

class TarWriterTest : public testing::RootTest {
 protected:
  std::string Layer(const std::string& dir, const TarWriterOptions& options = {}) {
    StringSink sink;
    TarWriteResult result = WriteDirectoryLayer(dir, sink, options);
    EXPECT_TRUE(sink.closed);
    EXPECT_EQ(result.bytes, sink.bytes.size());
    return sink.bytes;
  }

  const ReadEntry& Find(const std::vector<ReadEntry>& entries, const std::string& name) {
    for (const ReadEntry& entry : entries) {
      if (entry.name == name) return entry;
    }
    ADD_FAILURE() << "no entry " << name;
    static const ReadEntry missing;
    return missing;
  }

  TempDir temp_{"tar-writer-"};
  std::string tree_ = temp_.path() + "/tree";
};

TEST_F(TarWriterTest, SortsEntriesByBytesWithSlashedDirectories) {
  BuildRichTree(tree_, false);
  std::vector<std::string> names = testing::Names(ReadTar(Layer(tree_)));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end())) << ::testing::PrintToString(names);
  // Byte order, not a depth-first walk: "a-b" and "a.b" sort before "a/".
  std::vector<std::string> head(names.begin(), names.begin() + 6);
  EXPECT_EQ(head, (std::vector<std::string>{"B", "a-b", "a.b", "a/", "a/b/", "a/b/c"}));
  EXPECT_EQ(std::count(names.begin(), names.end(), "etc/"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "etc/conf"), 1);
}

TEST_F(TarWriterTest, NormalisesHeaders) {
  BuildRichTree(tree_, false);
  std::vector<ReadEntry> entries = ReadTar(Layer(tree_));
  for (const ReadEntry& entry : entries) {
    EXPECT_EQ(entry.uname, "") << entry.name;
    EXPECT_EQ(entry.gname, "") << entry.name;
    EXPECT_FALSE(entry.atime_set) << entry.name;
    EXPECT_FALSE(entry.ctime_set) << entry.name;
    EXPECT_EQ(entry.mtime_nsec, 0) << entry.name;  // BuildRichTree sets 123456789 ns
    EXPECT_EQ(S_ISDIR(entry.mode), entry.name.ends_with('/')) << entry.name;
  }
  EXPECT_EQ(Find(entries, "bin/tool").mode, S_IFREG | 04755u);
  EXPECT_EQ(Find(entries, "bin/sgid").mode, S_IFREG | 02711u);
  EXPECT_EQ(Find(entries, "tmp/").mode, S_IFDIR | 01777u);
  const ReadEntry& conf = Find(entries, "etc/conf");
  EXPECT_EQ(conf.uid, 1000);
  EXPECT_EQ(conf.gid, 1001);
  EXPECT_EQ(conf.data, "key=value\n");
  EXPECT_EQ(Find(entries, "usr/lib/owned").uid, 3000000);
  EXPECT_EQ(Find(entries, "lib").symlink, "usr/lib");
  EXPECT_EQ(Find(entries, "abs").symlink, "/etc/conf");
  EXPECT_EQ(Find(entries, "longlink").symlink, std::string(200, 't'));
  EXPECT_EQ(Find(entries, "dev/null").mode, S_IFCHR | 0666u);
  EXPECT_EQ(Find(entries, "dev/null").rdev_major, 1u);
  EXPECT_EQ(Find(entries, "dev/null").rdev_minor, 3u);
  EXPECT_EQ(Find(entries, "dev/loop9").mode, S_IFBLK | 0660u);
  EXPECT_EQ(Find(entries, "run/fifo").mode, S_IFIFO | 0640u);
  EXPECT_EQ(Find(entries, "usr/lib/big").data, testing::PseudoRandom((3 << 20) + 17, 7));
  EXPECT_EQ(Find(entries, "deep/" + std::string(120, 'n')).data, "long name");
  EXPECT_EQ(Find(entries, "d\xc3\xa9j\xc3\xa0 vu.txt").data, "utf-8 name");
}

TEST_F(TarWriterTest, WritesLaterHardlinksAsLinksToTheFirstName) {
  BuildRichTree(tree_, false);
  std::vector<ReadEntry> entries = ReadTar(Layer(tree_));
  EXPECT_EQ(Find(entries, "etc/hard1").hardlink, "");
  EXPECT_EQ(Find(entries, "etc/hard1").data, "linked content");
  EXPECT_EQ(Find(entries, "etc/hard2").hardlink, "etc/hard1");
  EXPECT_EQ(Find(entries, "usr/share/hard3").hardlink, "etc/hard1");
  EXPECT_EQ(Find(entries, "usr/share/hard3").data, "");
}

TEST_F(TarWriterTest, KeepsOnlyCapabilityAndUserXattrs) {
  BuildRichTree(tree_, false);
  testing::SetXattr(tree_ + "/etc/conf", "user.overlay.origin", "bookkeeping");
  testing::SetXattr(tree_ + "/etc/conf", "trusted.overlay.opaque", "y");
  std::string bytes = Layer(tree_);
  std::vector<ReadEntry> entries = ReadTar(bytes);
  EXPECT_EQ(
      Find(entries, "bin/tool").xattrs,
      (std::map<std::string, std::string>{{"security.capability", testing::NetBindCapability()}}));
  EXPECT_EQ(Find(entries, "etc/conf").xattrs,
            (std::map<std::string, std::string>{{"user.note", "kept"}}));
  EXPECT_EQ(Find(entries, "etc/").xattrs,
            (std::map<std::string, std::string>{{"user.dir", "kept too"}}));
  // Docker and GNU tar read SCHILY.xattr; libarchive's own duplicate is not written.
  EXPECT_NE(bytes.find("SCHILY.xattr.user.note=kept"), std::string::npos);
  EXPECT_EQ(bytes.find("LIBARCHIVE.xattr"), std::string::npos);
  EXPECT_EQ(bytes.find("overlay"), std::string::npos);
  EXPECT_EQ(bytes.find("trusted"), std::string::npos);
}

TEST_F(TarWriterTest, SameTreeGivesSameBytesWhateverOrderUmaskOrTime) {
  // ext4 lists directories in hash order whatever the creation order; tmpfs
  // lists newest first, so the other tree really reads back in another order.
  std::string mount_point = temp_.path() + "/tmpfs";
  testing::MakeDir(mount_point);
  testing::ScopedMount tmpfs("tmpfs", mount_point, "tmpfs", "mode=0755");
  std::string other = mount_point + "/other";
  BuildRichTree(tree_, false);
  BuildRichTree(other, true);
  ASSERT_EQ(testing::Snapshot(tree_), testing::Snapshot(other));
  UniqueFd tree_fd = OpenOrThrow(tree_, O_RDONLY | O_DIRECTORY);
  UniqueFd other_fd = OpenOrThrow(other, O_RDONLY | O_DIRECTORY);
  ASSERT_NE(ListDirectory(tree_fd.get(), tree_), ListDirectory(other_fd.get(), other));
  std::string first = Layer(tree_);
  mode_t old_umask = umask(0);
  std::string second = Layer(other);
  umask(old_umask);
  EXPECT_EQ(DigestOf(first), DigestOf(second));
  EXPECT_EQ(first.size() % 512, 0u);
  // The stream ends with exactly the two zero blocks of the end marker.
  EXPECT_EQ(first.substr(first.size() - 1024), std::string(1024, '\0'));
  EXPECT_NE(first.substr(first.size() - 1536, 512), std::string(512, '\0'));
}

TEST_F(TarWriterTest, LocaleOfTheCallerDoesNotChangeTheBytes) {
  BuildRichTree(tree_, false);
  WriteFile(tree_ + "/latin1-\xe9", "not utf-8");
  std::setlocale(LC_ALL, "C.UTF-8");
  std::string utf8 = Layer(tree_);
  std::setlocale(LC_ALL, "C");
  std::string c = Layer(tree_);
  EXPECT_EQ(DigestOf(utf8), DigestOf(c));
  // A UTF-8 name goes into a plain pax path record, as Go's archive/tar writes it.
  EXPECT_NE(c.find("path=d\xc3\xa9j\xc3\xa0 vu.txt\n"), std::string::npos);
  std::vector<ReadEntry> entries = ReadTar(c);
  EXPECT_EQ(Find(entries, "latin1-\xe9").data, "not utf-8");
}

TEST_F(TarWriterTest, ClampsMtimesToTheEpoch) {
  BuildRichTree(tree_, false);
  testing::SetMtime(tree_ + "/B", 1000);
  std::vector<ReadEntry> entries = ReadTar(Layer(tree_, {.epoch = 1500000005}));
  EXPECT_EQ(Find(entries, "B").mtime, 1000);  // older than the epoch: kept
  EXPECT_EQ(Find(entries, "bin/tool").mtime, 1500000005);
  EXPECT_EQ(Find(entries, "etc/").mtime, 1500000005);
  for (const ReadEntry& entry : entries) EXPECT_LE(entry.mtime, 1500000005) << entry.name;
  // Touching files after the epoch does not change the layer.
  std::string before = Layer(tree_, {.epoch = 1500000005});
  testing::SetMtime(tree_ + "/etc/conf", time(nullptr));
  EXPECT_EQ(before, Layer(tree_, {.epoch = 1500000005}));
}

TEST_F(TarWriterTest, SkipsSocketsWithANote) {
  testing::MakeDir(tree_);
  WriteFile(tree_ + "/file", "x");
  std::string socket_path = tree_ + "/control.sock";
  ASSERT_EQ(mknod(socket_path.c_str(), S_IFSOCK | 0600, 0), 0);
  StringSink sink;
  TarWriteResult result = WriteDirectoryLayer(tree_, sink);
  EXPECT_EQ(testing::Names(ReadTar(sink.bytes)), std::vector<std::string>{"file"});
  ASSERT_EQ(result.notes.size(), 1u);
  EXPECT_NE(result.notes[0].find("control.sock"), std::string::npos);
  EXPECT_EQ(result.entries, 1u);
}

TEST_F(TarWriterTest, RefusesNamesThatWouldReadAsWhiteouts) {
  testing::MakeDir(tree_);
  WriteFile(tree_ + "/.wh.passwd", "");
  StringSink sink;
  try {
    WriteDirectoryLayer(tree_, sink);
    ADD_FAILURE() << "a .wh. name was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(".wh.passwd"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("reserved for whiteouts"), std::string::npos);
  }
}

TEST_F(TarWriterTest, SinkErrorsReachTheCaller) {
  BuildRichTree(tree_, false);
  struct FailingSink : ByteSink {
    void Write(const void*, size_t) override { Fail("disk full (test)"); }
  } sink;
  try {
    WriteDirectoryLayer(tree_, sink);
    ADD_FAILURE() << "the sink error was swallowed";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "disk full (test)");
  }
}

TEST_F(TarWriterTest, EntriesLayerAppliesOverridesAndLaterEntriesWin) {
  BuildRichTree(tree_, false);
  std::string extra = temp_.path() + "/extra";
  WriteFile(extra, "replacement", 0600);
  std::vector<CopyEntry> copies = {
      {.source = tree_ + "/etc", .destination = "/app/config", .override = {.uid = 42, .gid = 43}},
      {.source = tree_ + "/bin", .destination = "app/bin", .recursive = false,
       .override = {.mode = 0700}},
      {.source = extra, .destination = "app/config/conf", .override = {.mode = 0444}},
      {.source = tree_ + "/lib", .destination = "app/lib", .override = {.mode = 0600}},
  };
  StringSink sink;
  WriteEntriesLayer(copies, sink);
  std::vector<ReadEntry> entries = ReadTar(sink.bytes);
  EXPECT_EQ(testing::Names(entries),
            (std::vector<std::string>{"app/bin/", "app/config/", "app/config/conf",
                                      "app/config/hard1", "app/config/hard2", "app/lib"}));
  EXPECT_EQ(Find(entries, "app/bin/").mode, S_IFDIR | 0700u);
  const ReadEntry& config = Find(entries, "app/config/");
  EXPECT_EQ(config.uid, 42);
  EXPECT_EQ(config.gid, 43);
  EXPECT_EQ(config.mode, S_IFDIR | 0755u);
  EXPECT_EQ(Find(entries, "app/config/conf").data, "replacement");
  EXPECT_EQ(Find(entries, "app/config/conf").mode, S_IFREG | 0444u);
  EXPECT_EQ(Find(entries, "app/config/conf").uid, 0);
  EXPECT_EQ(Find(entries, "app/config/hard2").hardlink, "app/config/hard1");
  EXPECT_EQ(Find(entries, "app/lib").symlink, "usr/lib");
  EXPECT_EQ(Find(entries, "app/lib").mode, S_IFLNK | 0777u);  // --chmod never applies to links
}

TEST_F(TarWriterTest, EntriesLayerRefusesEscapingDestinations) {
  testing::MakeDir(tree_);
  StringSink sink;
  EXPECT_THROW(WriteEntriesLayer({{.source = tree_, .destination = "a/../../x"}}, sink), Error);
  WriteFile(tree_ + "/f", "x");
  EXPECT_THROW(WriteEntriesLayer({{.source = tree_ + "/f", .destination = "/"}}, sink), Error);
}

TEST_F(TarWriterTest, GnuTarListsAndExtractsTheLayerLikeOurInput) {
  BuildRichTree(tree_, false);
  std::string layer = temp_.path() + "/layer.tar";
  testing::WriteFile(layer, Layer(tree_));
  std::string listing;
  ASSERT_EQ(testing::Run("tar -tvf " + layer, &listing), 0) << listing;
  EXPECT_EQ(listing.find("tar:"), std::string::npos) << listing;  // no warnings
  EXPECT_NE(listing.find("etc/hard2 link to etc/hard1"), std::string::npos) << listing;
  EXPECT_NE(listing.find("lib -> usr/lib"), std::string::npos) << listing;
  EXPECT_NE(listing.find("1000/1001"), std::string::npos) << listing;

  std::string gnu = temp_.path() + "/gnu";
  testing::MakeDir(gnu);
  std::string output;
  ASSERT_EQ(testing::Run("tar --xattrs --xattrs-include='*' --numeric-owner -xpf " + layer +
                         " -C " + gnu, &output), 0) << output;
  testing::SnapshotOptions layer_xattrs;
  layer_xattrs.keep_xattr = [](const std::string& name) { return name != "trusted.secret"; };
  EXPECT_EQ(testing::Snapshot(gnu), testing::Snapshot(tree_, layer_xattrs));
}

TEST_F(TarWriterTest, PythonTarfileExtractsTheLayerLikeOurInput) {
  BuildRichTree(tree_, false);
  std::string layer = temp_.path() + "/layer.tar";
  testing::WriteFile(layer, Layer(tree_));
  std::string py = temp_.path() + "/py";
  testing::MakeDir(py);
  std::string output;
  ASSERT_EQ(testing::Run("python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall("
                         "sys.argv[2], numeric_owner=True)' " + layer + " " + py, &output), 0)
      << output;
  testing::SnapshotOptions comparable;  // tarfile restores neither xattrs nor symlink times
  comparable.keep_xattr = [](const std::string&) { return false; };
  comparable.symlink_mtimes = false;
  EXPECT_EQ(testing::Snapshot(py, comparable), testing::Snapshot(tree_, comparable));
}

}  // namespace
}  // namespace imgbuild::layers
