// The final-view rules on hand-made layer indexes: what extraction would
// leave, without extracting.
#include "layers/rootfs_view.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace imgbuild::layers {
namespace {

using Kind = PathState::Kind;

LayerEntry Entry(std::string path, EntryType type = EntryType::kFile) {
  return LayerEntry{.path = std::move(path), .type = type};
}

LayerIndex Layer(std::vector<LayerEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const LayerEntry& a, const LayerEntry& b) { return a.path < b.path; });
  return LayerIndex{std::move(entries), DigestOf("layer"), 0};
}

const LayerIndex kBase = Layer({Entry("etc", EntryType::kDirectory), Entry("etc/passwd"),
                                Entry("etc/hosts"), Entry("usr", EntryType::kDirectory),
                                Entry("usr/bin", EntryType::kDirectory), Entry("usr/bin/sh")});

TEST(RootfsViewTest, LaterLayersReplaceEntriesAndRecordTheirLayer) {
  LayerIndex top = Layer({Entry("etc/passwd"), Entry("etc/new")});
  RootfsView view(false);
  view.Apply(kBase, 0);
  view.Apply(top, 1);
  PathState passwd = view.Lookup("etc/passwd");
  EXPECT_EQ(passwd.kind, Kind::kPresent);
  EXPECT_EQ(passwd.entry, &top.entries[1]);
  EXPECT_EQ(passwd.layer, 1u);
  EXPECT_EQ(view.Lookup("etc/hosts").layer, 0u);
  EXPECT_EQ(view.Lookup("missing").kind, Kind::kAbsent);
  EXPECT_FALSE(view.Lookup("missing").layer);
}

TEST(RootfsViewTest, WhiteoutRemovesThePathAndEverythingBelow) {
  LayerIndex top = Layer({Entry("usr/.wh.bin", EntryType::kWhiteout)});
  RootfsView view(false);
  view.Apply(kBase, 0);
  view.Apply(top, 1);
  EXPECT_EQ(view.Lookup("usr/bin").kind, Kind::kAbsent);
  EXPECT_EQ(view.Lookup("usr/bin").layer, 1u);
  EXPECT_EQ(view.Lookup("usr/bin/sh").kind, Kind::kAbsent);
  EXPECT_EQ(view.Lookup("usr/bin/sh").layer, 1u);
  EXPECT_EQ(view.Lookup("usr").kind, Kind::kPresent);
}

TEST(RootfsViewTest, OpaqueDirectoryKeepsOnlyItsOwnLayersEntries) {
  // The marker sorts after "etc/-x" but still acts only on lower layers.
  LayerIndex top = Layer({Entry("etc", EntryType::kDirectory),
                          Entry("etc/.wh..wh..opq", EntryType::kOpaque), Entry("etc/-x"),
                          Entry("etc/z")});
  RootfsView view(false);
  view.Apply(kBase, 0);
  view.Apply(top, 1);
  EXPECT_EQ(view.Lookup("etc/passwd").kind, Kind::kAbsent);
  EXPECT_EQ(view.Lookup("etc/-x").kind, Kind::kPresent);
  EXPECT_EQ(view.Lookup("etc/z").kind, Kind::kPresent);
  EXPECT_EQ(view.Lookup("etc").kind, Kind::kPresent);
}

TEST(RootfsViewTest, AFileReplacingADirectoryHidesItsContent) {
  LayerIndex top = Layer({Entry("usr")});
  RootfsView view(false);
  view.Apply(kBase, 0);
  view.Apply(top, 1);
  EXPECT_EQ(view.Lookup("usr").entry->type, EntryType::kFile);
  EXPECT_EQ(view.Lookup("usr/bin/sh").kind, Kind::kAbsent);
}

TEST(RootfsViewTest, OverUnreadLayersUntouchedPathsAreBelow) {
  LayerIndex top = Layer({Entry("etc/.wh.hosts", EntryType::kWhiteout), Entry("etc/new")});
  RootfsView view(true);
  view.Apply(top, 3);
  EXPECT_EQ(view.Lookup("etc/passwd").kind, Kind::kBelow);
  EXPECT_EQ(view.Lookup("etc/hosts").kind, Kind::kAbsent);
  EXPECT_EQ(view.Lookup("etc/new").layer, 3u);
  EXPECT_TRUE(view.HidesBelow("etc/hosts"));
  EXPECT_FALSE(view.HidesBelow("etc"));
  EXPECT_EQ(view.HiddenSubtrees(), (std::vector<std::string>{"etc/hosts", "etc/new"}));
}

TEST(RootfsViewTest, PathsBelowListsRecordedPathsIncludingRemovals) {
  LayerIndex top = Layer({Entry("usr/.wh.bin", EntryType::kWhiteout), Entry("usr/lib")});
  RootfsView view(false);
  view.Apply(kBase, 0);
  view.Apply(top, 1);
  EXPECT_EQ(view.PathsBelow("usr"), (std::vector<std::string>{"usr/bin", "usr/lib"}));
  EXPECT_EQ(view.PathsBelow(""), (std::vector<std::string>{"etc", "etc/hosts", "etc/passwd", "usr",
                                                           "usr/bin", "usr/lib"}));
}

}  // namespace
}  // namespace imgbuild::layers
