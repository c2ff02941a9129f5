// Images built here differ in exactly one thing each; the comparison must
// name exactly that thing, in the layer that has it and in the final file
// system.
#include "layers/image_diff.h"

#include <sys/stat.h>
#include <unistd.h>

#include <ostream>

#include <gtest/gtest.h>

#include "layers/image_diff_report.h"
#include "tests/layers/diff_testing.h"
#include "tests/layers/layer_test_util.h"
#include "tests/layers/rich_tree.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {

void PrintTo(const FieldChange& change, std::ostream* out) {
  *out << "{" << change.field << ": " << change.a.value_or("(absent)") << " -> "
       << change.b.value_or("(absent)") << "}";
}

void PrintTo(const DocumentChange& change, std::ostream* out) {
  *out << "{" << change.document << " " << change.field << ": " << change.a.value_or("(absent)")
       << " -> " << change.b.value_or("(absent)") << "}";
}

namespace {

using diff_testing::ImageFactory;
using testing::WriteFile;

std::vector<FieldChange> One(std::string field, std::optional<std::string> a,
                             std::optional<std::string> b) {
  return {{std::move(field), std::move(a), std::move(b)}};
}

class ImageDiffTest : public testing::RootTest {
 protected:
  ImageDiff Compare(const Descriptor& a, const Descriptor& b, size_t max_items = 50) {
    return CompareImages({&store_, a}, {&store_, b}, {.max_items = max_items});
  }

  // Two one-layer images: the base tree, and the base tree after `change`
  // in another store.
  ImageDiff CompareAfter(const std::function<void(const std::string& tree)>& change) {
    std::string name = std::to_string(trees_++);
    Descriptor a = factory_.Image({factory_.Layer(factory_.BaseTree("a" + name))});
    std::string tree = factory_.BaseTree("b" + name);
    change(tree);
    Descriptor b = other_factory_.Image({other_factory_.Layer(tree)});
    return CompareImages({&store_, a}, {&other_, b});
  }

  // The fields of `document` that differ, in order.
  static std::vector<std::string> Fields(const ImageDiff& diff, const std::string& document) {
    std::vector<std::string> fields;
    for (const DocumentChange& change : diff.documents.items) {
      if (change.document == document) fields.push_back(change.field);
    }
    return fields;
  }

  // Asserts that the only difference in the files is `path` with `fields`,
  // in layer 0 and in the final file system.
  static void ExpectOnlyFileChange(const ImageDiff& diff, const std::string& path,
                                   const std::vector<FieldChange>& fields) {
    ASSERT_EQ(diff.files.layers.size(), 1u);
    const LayerDiff& layer = diff.files.layers[0];
    EXPECT_EQ(layer.index, 0u);
    ASSERT_EQ(layer.changes.total(), 1u);
    EXPECT_EQ(layer.changes.items[0].path, path);
    EXPECT_EQ(layer.changes.items[0].fields, fields);
    ASSERT_EQ(diff.files.filesystem.total(), 1u);
    const FileChange& final = diff.files.filesystem.items[0];
    EXPECT_EQ(final.path, path);
    EXPECT_EQ(final.fields, fields);
    EXPECT_EQ(final.layer_a, 0u);
    EXPECT_EQ(final.layer_b, 0u);
    EXPECT_EQ(Fields(diff, "config"), std::vector<std::string>{"rootfs.diff_ids[0]"});
  }

  TempDir dir_{"image-diff-"};
  Store store_{dir_.path() + "/store"};
  ImageFactory factory_{store_, dir_.path()};
  Store other_{dir_.path() + "/other"};
  ImageFactory other_factory_{other_, dir_.path()};
  int trees_ = 0;
};

TEST_F(ImageDiffTest, TheSameImageIsIdenticalEvenFromAnotherStore) {
  Descriptor a = factory_.Image({factory_.Layer(factory_.BaseTree("a"))});
  Descriptor b = other_factory_.Image({other_factory_.Layer(factory_.BaseTree("b"))});
  EXPECT_EQ(a.digest, b.digest) << "the same tree must give the same image";
  ImageDiff diff = CompareImages({&store_, a}, {&other_, b});
  EXPECT_TRUE(diff.identical());
  EXPECT_EQ(diff.documents.total(), 0u);
  EXPECT_TRUE(diff.files.layers.empty());
  std::string text = RenderImageDiff(diff, {"a", "b"});
  EXPECT_NE(text.find("identical: " + a.digest.ToString()), std::string::npos) << text;
}

TEST_F(ImageDiffTest, OneFileModeIsNamedWithBothValues) {
  ImageDiff diff = CompareAfter([](const std::string& tree) {
    ASSERT_EQ(chmod((tree + "/etc/config").c_str(), 0755), 0);
  });
  ExpectOnlyFileChange(diff, "/etc/config", One("mode", "0644", "0755"));
  std::string text = RenderImageDiff(diff, {"first", "second"});
  EXPECT_NE(text.find("/etc/config: mode 0644 -> 0755"), std::string::npos) << text;
  EXPECT_NE(text.find("layers[0]"), std::string::npos) << text;
  nlohmann::ordered_json json = ImageDiffToJson(diff, {"first", "second"});
  const auto& change = json["filesystem"]["changes"][0];
  EXPECT_EQ(change["path"], "/etc/config");
  EXPECT_EQ(change["change"], "changed");
  EXPECT_EQ(change["fields"][0]["field"], "mode");
  EXPECT_EQ(change["fields"][0]["a"], "0644");
  EXPECT_EQ(change["fields"][0]["b"], "0755");
  EXPECT_EQ(json["a"]["name"], "first");
  EXPECT_EQ(json["identical"], false);
}

TEST_F(ImageDiffTest, OwnerIsNamed) {
  ImageDiff diff = CompareAfter([](const std::string& tree) {
    ASSERT_EQ(lchown((tree + "/bin/tool").c_str(), 1000, 0), 0);
  });
  ExpectOnlyFileChange(diff, "/bin/tool", One("uid", "0", "1000"));
}

TEST_F(ImageDiffTest, ContentOfTheSameSizeIsNamedByDigest) {
  ImageDiff diff = CompareAfter([](const std::string& tree) {
    WriteFile(tree + "/etc/config", "key=VALUE\n");
  });
  ExpectOnlyFileChange(diff, "/etc/config",
                       One("content", DigestOf("key=value\n").ToString(),
                           DigestOf("key=VALUE\n").ToString()));
}

TEST_F(ImageDiffTest, ContentOfAnotherSizeNamesSizeAndDigest) {
  ImageDiff diff = CompareAfter([](const std::string& tree) {
    WriteFile(tree + "/etc/config", "key=longer value\n");
  });
  ExpectOnlyFileChange(diff, "/etc/config",
                       {{"size", "10", "17"},
                        {"content", DigestOf("key=value\n").ToString(),
                         DigestOf("key=longer value\n").ToString()}});
}

TEST_F(ImageDiffTest, MtimeIsNamedInUtc) {
  ImageDiff diff = CompareAfter([](const std::string& tree) {
    testing::SetMtime(tree + "/bin/tool", diff_testing::kEpoch - 3600);
  });
  ExpectOnlyFileChange(diff, "/bin/tool",
                       One("mtime", "2023-11-14T22:13:20Z", "2023-11-14T21:13:20Z"));
}

TEST_F(ImageDiffTest, SymlinkTargetIsNamed) {
  ImageDiff diff = CompareAfter([](const std::string& tree) {
    ASSERT_EQ(unlink((tree + "/link").c_str()), 0);
    ASSERT_EQ(symlink("bin/tool", (tree + "/link").c_str()), 0);
  });
  ExpectOnlyFileChange(diff, "/link", One("link", "etc/config", "bin/tool"));
}

TEST_F(ImageDiffTest, XattrIsNamedWithItsValue) {
  ImageDiff diff = CompareAfter([](const std::string& tree) {
    testing::SetXattr(tree + "/etc/config", "user.origin", "test");
  });
  ExpectOnlyFileChange(diff, "/etc/config", One("xattr user.origin", std::nullopt, "test"));
}

TEST_F(ImageDiffTest, BinaryXattrsAndNonUtf8NamesAreShownSafely) {
  ImageDiff diff = CompareAfter([](const std::string& tree) {
    testing::SetXattr(tree + "/bin/tool", "security.capability", testing::NetBindCapability());
    WriteFile(tree + "/bin/\xff\xfe", "odd name\n");
  });
  ASSERT_EQ(diff.files.filesystem.total(), 2u);
  const FileChange& capability = diff.files.filesystem.items[1];
  EXPECT_EQ(capability.path, "/bin/tool");
  EXPECT_EQ(capability.fields,
            One("xattr security.capability", std::nullopt,
                "0x0100000200040000000000000000000000000000"));
  std::string json = ImageDiffToJson(diff, {"a", "b"})
                         .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  EXPECT_NE(json.find("0x01000002"), std::string::npos) << json;
}

TEST_F(ImageDiffTest, AddedAndRemovedFilesAreNamed) {
  ImageDiff added = CompareAfter([](const std::string& tree) {
    WriteFile(tree + "/etc/extra", "new\n");
  });
  ASSERT_EQ(added.files.filesystem.total(), 1u);
  const FileChange& change = added.files.filesystem.items[0];
  EXPECT_EQ(change.path, "/etc/extra");
  EXPECT_EQ(ChangeKindName(change), "added");
  EXPECT_FALSE(change.a);
  ASSERT_TRUE(change.b);
  EXPECT_EQ(change.b->content, DigestOf("new\n"));
  EXPECT_EQ(change.layer_b, 0u);
  ASSERT_EQ(added.files.layers.size(), 1u);
  EXPECT_EQ(added.files.layers[0].changes.items.at(0).path, "/etc/extra");
  std::string text = RenderImageDiff(added, {"a", "b"});
  EXPECT_NE(text.find("/etc/extra: only in B: file 0644 0:0 4 bytes"), std::string::npos) << text;

  ImageDiff removed = CompareAfter([](const std::string& tree) {
    ASSERT_EQ(unlink((tree + "/bin/tool").c_str()), 0);
  });
  ASSERT_EQ(removed.files.filesystem.total(), 1u);
  EXPECT_EQ(removed.files.filesystem.items[0].path, "/bin/tool");
  EXPECT_EQ(ChangeKindName(removed.files.filesystem.items[0]), "removed");
}

TEST_F(ImageDiffTest, WhiteoutIsNamedInItsLayerAndRemovesTheFileFromTheBase) {
  BuiltLayer base = factory_.Layer(factory_.BaseTree("base"));
  std::string upper_a = factory_.EmptyTree("upper-a");
  testing::MakeDir(upper_a + "/etc");
  ImageFactory::MakeWhiteout(upper_a + "/etc/config");
  std::string upper_b = factory_.EmptyTree("upper-b");
  testing::MakeDir(upper_b + "/etc");
  ImageDiff diff = Compare(factory_.Image({base, factory_.UpperLayer(upper_a)}),
                           factory_.Image({base, factory_.UpperLayer(upper_b)}));
  ASSERT_EQ(diff.files.layers.size(), 1u);
  EXPECT_EQ(diff.files.layers[0].index, 1u);
  ASSERT_EQ(diff.files.layers[0].changes.total(), 1u);
  const FileChange& marker = diff.files.layers[0].changes.items[0];
  EXPECT_EQ(marker.path, "/etc/.wh.config");
  ASSERT_TRUE(marker.a);
  EXPECT_EQ(marker.a->type, EntryType::kWhiteout);
  EXPECT_FALSE(marker.b);

  ASSERT_EQ(diff.files.filesystem.total(), 1u);
  const FileChange& final = diff.files.filesystem.items[0];
  EXPECT_EQ(final.path, "/etc/config");
  EXPECT_FALSE(final.a) << "A's whiteout removes it";
  EXPECT_EQ(final.layer_a, 1u);
  ASSERT_TRUE(final.b) << "B keeps the base layer's file";
  EXPECT_EQ(final.layer_b, 0u);
  std::string text = RenderImageDiff(diff, {"a", "b"});
  EXPECT_NE(text.find("/etc/config: only in B: file 0644 0:0 10 bytes"), std::string::npos)
      << text;
  EXPECT_NE(text.find("A: removed by layers[1]"), std::string::npos) << text;
}

TEST_F(ImageDiffTest, AChangeALaterLayerHidesIsOnlyInItsLayer) {
  std::string tree_a = factory_.BaseTree("a");
  WriteFile(tree_a + "/stamp", "Mon Jan  1 00:00:00 UTC 2024\n");
  std::string tree_b = factory_.BaseTree("b");
  WriteFile(tree_b + "/stamp", "Tue Jan  2 00:00:00 UTC 2024\n");
  std::string upper = factory_.EmptyTree("upper");
  ImageFactory::MakeWhiteout(upper + "/stamp");
  BuiltLayer remove_stamp = factory_.UpperLayer(upper);
  ImageDiff diff = Compare(factory_.Image({factory_.Layer(tree_a), remove_stamp}),
                           factory_.Image({factory_.Layer(tree_b), remove_stamp}));
  ASSERT_EQ(diff.files.layers.size(), 1u);
  EXPECT_EQ(diff.files.layers[0].index, 0u);
  ASSERT_EQ(diff.files.layers[0].changes.total(), 1u);
  EXPECT_EQ(diff.files.layers[0].changes.items[0].path, "/stamp");
  EXPECT_EQ(diff.files.filesystem.total(), 0u) << "layers[1] removes /stamp from both";
}

TEST_F(ImageDiffTest, OpaqueDirectoryHidesTheBaseContentOfOneImage) {
  BuiltLayer base = factory_.Layer(factory_.BaseTree("base"));
  std::string upper_a = factory_.EmptyTree("upper-a");
  testing::MakeDir(upper_a + "/etc");
  testing::SetXattr(upper_a + "/etc", "trusted.overlay.opaque", "y");
  std::string upper_b = factory_.EmptyTree("upper-b");
  testing::MakeDir(upper_b + "/etc");
  ImageDiff diff = Compare(factory_.Image({base, factory_.UpperLayer(upper_a)}),
                           factory_.Image({base, factory_.UpperLayer(upper_b)}));
  ASSERT_EQ(diff.files.filesystem.total(), 1u);
  EXPECT_EQ(diff.files.filesystem.items[0].path, "/etc/config");
  EXPECT_EQ(ChangeKindName(diff.files.filesystem.items[0]), "added");
}

TEST_F(ImageDiffTest, ConfigEnvEntryIsTheOnlyDifference) {
  BuiltLayer layer = factory_.Layer(factory_.BaseTree("a"));
  Descriptor a = factory_.Image({layer});
  Descriptor b = factory_.Image({layer}, [](ImageConfig& config) {
    config.config.env[1] = "MODE=release";
  });
  ImageDiff diff = Compare(a, b);
  ASSERT_EQ(Fields(diff, "config"), std::vector<std::string>{"config.Env[1]"});
  EXPECT_EQ(diff.documents.items[0].a, "MODE=test");
  EXPECT_EQ(diff.documents.items[0].b, "MODE=release");
  EXPECT_EQ(Fields(diff, "manifest"),
            (std::vector<std::string>{"config.digest", "config.size"}));
  EXPECT_TRUE(diff.files.layers.empty()) << "identical layers are not compared";
  EXPECT_EQ(diff.files.filesystem.total(), 0u);
}

TEST_F(ImageDiffTest, HistoryEntryIsNamedByIndexAndField) {
  BuiltLayer layer = factory_.Layer(factory_.BaseTree("a"));
  Descriptor a = factory_.Image({layer});
  Descriptor b = factory_.Image({layer}, [](ImageConfig& config) {
    config.history[0].created_by = "RUN make";
  });
  ImageDiff diff = Compare(a, b);
  ASSERT_EQ(Fields(diff, "config"), std::vector<std::string>{"history[0].created_by"});
  EXPECT_EQ(diff.documents.items[0].a, "layer 0");
  EXPECT_EQ(diff.documents.items[0].b, "RUN make");
}

TEST_F(ImageDiffTest, AnExtraLayerIsComparedWithNothing) {
  BuiltLayer base = factory_.Layer(factory_.BaseTree("base"));
  std::string extra = factory_.EmptyTree("extra");
  WriteFile(extra + "/added", "more\n");
  ImageDiff diff =
      Compare(factory_.Image({base}), factory_.Image({base, factory_.Layer(extra)}));
  EXPECT_EQ(Fields(diff, "config"),
            (std::vector<std::string>{"rootfs.diff_ids[1]", "history[1]"}));
  EXPECT_EQ(Fields(diff, "manifest"),
            (std::vector<std::string>{"config.digest", "config.size", "layers[1]"}));
  ASSERT_EQ(diff.files.layers.size(), 1u);
  EXPECT_EQ(diff.files.layers[0].index, 1u);
  EXPECT_FALSE(diff.files.layers[0].diff_id_a);
  ASSERT_EQ(diff.files.filesystem.total(), 1u);
  EXPECT_EQ(diff.files.filesystem.items[0].path, "/added");
  EXPECT_EQ(diff.files.filesystem.items[0].layer_b, 1u);
}

TEST_F(ImageDiffTest, ListsAreCappedMostTellingFirstWithACount) {
  std::string tree_a = factory_.EmptyTree("a");
  std::string tree_b = factory_.EmptyTree("b");
  for (int i = 0; i < 20; ++i) {
    std::string name = "/file" + std::to_string(i);
    WriteFile(tree_a + name, "same\n");
    WriteFile(tree_b + name, "same\n");
    testing::SetMtime(tree_b + name, diff_testing::kEpoch - 1);
  }
  WriteFile(tree_a + "/zz-content", "one\n");
  WriteFile(tree_b + "/zz-content", "two\n");
  ImageDiff diff = CompareImages({&store_, factory_.Image({factory_.Layer(tree_a)})},
                                 {&store_, factory_.Image({factory_.Layer(tree_b)})},
                                 {.max_items = 5});
  EXPECT_EQ(diff.files.filesystem.items.size(), 5u);
  EXPECT_EQ(diff.files.filesystem.omitted, 16u);
  EXPECT_EQ(diff.files.filesystem.items[0].path, "/zz-content")
      << "a content change comes before mtime-only changes";
  std::string text = RenderImageDiff(diff, {"a", "b"});
  EXPECT_NE(text.find("... and 16 more"), std::string::npos) << text;
}

TEST_F(ImageDiffTest, IndexesCompareTheManifestsOfEachPlatform) {
  BuiltLayer layer = factory_.Layer(factory_.BaseTree("a"));
  Descriptor amd64 = factory_.Image({layer});
  Descriptor arm64 = factory_.Image({layer}, [](ImageConfig& c) { c.architecture = "arm64"; });
  Descriptor arm64_b = factory_.Image({layer}, [](ImageConfig& c) {
    c.architecture = "arm64";
    c.author = "someone";
  });
  auto index = [&](const Descriptor& arm) {
    Index index;
    index.manifests.push_back(amd64);
    index.manifests.back().platform = Platform{.architecture = "amd64", .os = "linux"};
    index.manifests.push_back(arm);
    index.manifests.back().platform = Platform{.architecture = "arm64", .os = "linux"};
    return store_.PutIndex(index);
  };
  ImageDiff diff = Compare(index(arm64), index(arm64_b));
  ASSERT_FALSE(Fields(diff, "index").empty());
  EXPECT_EQ(Fields(diff, "index")[0], "manifests[1].digest");
  ASSERT_EQ(diff.platforms.size(), 1u);
  EXPECT_EQ(diff.platforms[0].platform, "linux/arm64");
  EXPECT_EQ(Fields(diff.platforms[0], "config"), std::vector<std::string>{"author"});
}

TEST_F(ImageDiffTest, ALayerThatDoesNotMatchItsDiffIdIsReported) {
  BuiltLayer layer = factory_.Layer(factory_.BaseTree("a"));
  Descriptor a = factory_.Image({layer});
  Descriptor b = factory_.Image({layer}, [](ImageConfig& config) {
    config.diff_ids[0] = DigestOf("not this layer");
  });
  try {
    Compare(a, b);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("layers[0] " + layer.descriptor.digest.ToString()),
              std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("diff ID"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace imgbuild::layers
