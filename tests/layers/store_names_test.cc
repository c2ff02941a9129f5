// Tag, Untag, Resolve and List: names in the store's index.json.
#include <filesystem>

#include <gtest/gtest.h>

#include "layers/store.h"
#include "tests/layers/store_testing.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

std::string ErrorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

class StoreNamesTest : public ::testing::Test {
 protected:
  TempDir dir_;
  Store store_{dir_.path()};
  store_testing::TestImage app_ = store_testing::PutSyntheticImage(store_, "app");
  store_testing::TestImage web_ = store_testing::PutSyntheticImage(store_, "web");
};

TEST_F(StoreNamesTest, TagRecordsNormalisedAndContainerdNames) {
  store_.Tag("app", app_.manifest);
  std::vector<StoreImage> images = store_.List();
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].name, "app:latest");
  EXPECT_EQ(images[0].descriptor.digest, app_.manifest.digest);
  EXPECT_EQ(images[0].descriptor.size, app_.manifest.size);
  EXPECT_EQ(images[0].descriptor.media_type, media_types::kOciManifest);
  EXPECT_EQ(images[0].descriptor.annotations,
            (Annotations{{"io.containerd.image.name", "docker.io/library/app:latest"},
                         {"org.opencontainers.image.ref.name", "app:latest"}}));

  store_.Tag("host:5000/ns/app:tag", app_.manifest);
  EXPECT_EQ(store_.Resolve("host:5000/ns/app:tag").annotations.at("io.containerd.image.name"),
            "host:5000/ns/app:tag");
}

TEST_F(StoreNamesTest, RetagReplacesTheEntry) {
  store_.Tag("app:1", app_.manifest);
  store_.Tag("app:1", web_.manifest);
  std::vector<StoreImage> images = store_.List();
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].descriptor.digest, web_.manifest.digest);
}

TEST_F(StoreNamesTest, IndexJsonIsSortedAndIndependentOfTagOrder) {
  store_.Tag("b", web_.manifest);
  store_.Tag("a", app_.manifest);
  std::string first = ReadFileToString(store_.IndexPath(), 1 << 20);
  ASSERT_TRUE(store_.Untag("a"));
  ASSERT_TRUE(store_.Untag("b"));
  store_.Tag("a", app_.manifest);
  store_.Tag("b", web_.manifest);
  EXPECT_EQ(ReadFileToString(store_.IndexPath(), 1 << 20), first);
  std::vector<StoreImage> images = store_.List();
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0].name, "a:latest");
  EXPECT_EQ(images[1].name, "b:latest");
}

TEST_F(StoreNamesTest, ResolvesNamesInEveryForm) {
  store_.Tag("app", app_.manifest);
  store_.Tag("registry.example.com/team/web:2", web_.manifest);
  EXPECT_EQ(store_.Resolve("app").digest, app_.manifest.digest);
  EXPECT_EQ(store_.Resolve("app:latest").digest, app_.manifest.digest);
  EXPECT_EQ(store_.Resolve("docker.io/library/app").digest, app_.manifest.digest);
  EXPECT_EQ(store_.Resolve("registry.example.com/team/web:2").digest, web_.manifest.digest);
  std::string error = ErrorOf([&] { store_.Resolve("registry.example.com/team/web"); });
  EXPECT_NE(error.find("no image \"registry.example.com/team/web\""), std::string::npos)
      << "the implied tag is latest, not 2: " << error;
}

TEST_F(StoreNamesTest, ResolvesDigestPrefixes) {
  store_.Tag("app", app_.manifest);
  store_.Tag("web", web_.manifest);
  std::string hex = app_.manifest.digest.hex();
  EXPECT_EQ(store_.Resolve(app_.manifest.digest.ToString()).digest, app_.manifest.digest);
  EXPECT_EQ(store_.Resolve("sha256:" + hex.substr(0, 12)).digest, app_.manifest.digest);
  EXPECT_EQ(store_.Resolve(hex.substr(0, 12)).digest, app_.manifest.digest);
  EXPECT_NE(ErrorOf([&] { store_.Resolve("sha512:" + hex.substr(0, 12)); }).find("no image"),
            std::string::npos);
}

TEST_F(StoreNamesTest, UnknownNamesFailListingWhatIsThere) {
  store_.Tag("app", app_.manifest);
  store_.Tag("web", web_.manifest);
  std::string error = ErrorOf([&] { store_.Resolve("nope"); });
  EXPECT_NE(error.find("no image \"nope\" in store " + store_.root()), std::string::npos) << error;
  EXPECT_NE(error.find("it holds app:latest, web:latest"), std::string::npos) << error;
  error = ErrorOf([&] { store_.Resolve("sha256:"); });
  EXPECT_NE(error.find("no image"), std::string::npos)
      << "an empty prefix must match nothing: " << error;
}

TEST_F(StoreNamesTest, AmbiguousDigestPrefixFailsListingCandidates) {
  // Resolve reads only index.json, so made-up digests sharing a prefix do.
  Index index;
  for (char last : {'1', '2'}) {
    std::string hex = "abcdef" + std::string(57, '0') + last;
    index.manifests.push_back(
        {.media_type = std::string(media_types::kOciManifest),
         .digest = Digest::Parse("sha256:" + hex),
         .size = 1,
         .annotations = {{"org.opencontainers.image.ref.name", std::string("n") + last}}});
  }
  WriteFileAtomically(store_.IndexPath(), Serialize(index));
  std::string error = ErrorOf([&] { store_.Resolve("abcdef"); });
  EXPECT_NE(error.find("\"abcdef\" is ambiguous"), std::string::npos) << error;
  EXPECT_NE(error.find(index.manifests[0].digest.ToString()), std::string::npos) << error;
  EXPECT_NE(error.find(index.manifests[1].digest.ToString()), std::string::npos) << error;
  EXPECT_EQ(store_.Resolve("abcdef" + std::string(57, '0') + "2").digest,
            index.manifests[1].digest);
}

TEST_F(StoreNamesTest, UntagRemovesOnlyThatName) {
  store_.Tag("app:1", app_.manifest);
  store_.Tag("app:2", app_.manifest);
  EXPECT_TRUE(store_.Untag("app:1"));
  EXPECT_FALSE(store_.Untag("app:1"));
  EXPECT_FALSE(store_.Untag("Invalid Name"));
  ASSERT_EQ(store_.List().size(), 1u);
  EXPECT_EQ(store_.List()[0].name, "app:2");
  EXPECT_TRUE(store_.HasBlob(app_.manifest.digest)) << "untag must not delete blobs";
}

TEST_F(StoreNamesTest, UnnamedEntriesAreFoundByDigestAndAddedOnce) {
  store_.AddUnnamed(app_.manifest);
  store_.AddUnnamed(app_.manifest);
  store_.Tag("web:1", web_.manifest);
  store_.AddUnnamed(web_.manifest);  // already there under a name
  std::vector<StoreImage> images = store_.List();
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0].name, "web:1");
  EXPECT_EQ(images[1].name, "");
  EXPECT_TRUE(images[1].descriptor.annotations.empty());
  EXPECT_EQ(store_.Resolve(app_.manifest.digest.hex().substr(0, 10)).digest,
            app_.manifest.digest);
  EXPECT_FALSE(store_.RemoveUnnamed(web_.manifest.digest)) << "named entries stay";
  EXPECT_TRUE(store_.RemoveUnnamed(app_.manifest.digest));
  EXPECT_EQ(store_.List().size(), 1u);
  EXPECT_NE(ErrorOf([&] { store_.AddUnnamed(app_.layers[0]); }).find("not a manifest or index"),
            std::string::npos);
  std::filesystem::remove(store_.BlobPath(app_.layers[1].digest));
  std::string error = ErrorOf([&] { store_.AddUnnamed(app_.manifest); });
  EXPECT_NE(error.find(app_.layers[1].digest.ToString()), std::string::npos) << error;
}

TEST_F(StoreNamesTest, ForeignNamesResolveAndUntagAsWritten) {
  Index index;
  index.media_type = "";
  index.manifests.push_back(app_.manifest);
  index.manifests.back().annotations["org.opencontainers.image.ref.name"] = "v1";
  WriteFileAtomically(store_.IndexPath(), Serialize(index));
  EXPECT_EQ(store_.Resolve("v1").digest, app_.manifest.digest);
  EXPECT_TRUE(store_.Untag("v1"));
  EXPECT_TRUE(store_.List().empty());
}

TEST_F(StoreNamesTest, TagRejectsBadNamesTypesAndIncompleteImages) {
  EXPECT_NE(ErrorOf([&] { store_.Tag("Bad", app_.manifest); }).find("invalid image name \"Bad\""),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { store_.Tag("app", app_.layers[0]); }).find("not a manifest or index"),
            std::string::npos);

  Descriptor wrong_size = app_.manifest;
  wrong_size.size += 1;
  EXPECT_NE(
      ErrorOf([&] { store_.Tag("app", wrong_size); }).find("bytes but image \"app:latest\" says"),
      std::string::npos);

  std::filesystem::remove(store_.BlobPath(app_.layers[1].digest));
  std::string error = ErrorOf([&] { store_.Tag("app", app_.manifest); });
  EXPECT_NE(error.find("cannot tag app:latest"), std::string::npos) << error;
  EXPECT_NE(error.find(app_.layers[1].digest.ToString()), std::string::npos) << error;
  EXPECT_NE(error.find("layer 1 of manifest " + app_.manifest.digest.ToString()), std::string::npos)
      << error;
  EXPECT_TRUE(store_.List().empty());
}

TEST_F(StoreNamesTest, TagRejectsConfigsThatDoNotMatchTheLayers) {
  ImageConfig config{.architecture = "amd64", .os = "linux"};  // No diff_ids for two layers.
  Descriptor config_descriptor = store_.PutConfig(config);
  Descriptor manifest =
      store_.PutManifest(Manifest{.config = config_descriptor, .layers = app_.layers});
  std::string error = ErrorOf([&] { store_.Tag("bad", manifest); });
  EXPECT_NE(
      error.find("lists 0 diff_ids but manifest " + manifest.digest.ToString() + " has 2 layers"),
      std::string::npos)
      << error;
}

TEST_F(StoreNamesTest, TagsNestedIndexes) {
  Index inner;
  inner.manifests.push_back(app_.manifest);
  inner.manifests.back().platform = Platform{.architecture = "amd64", .os = "linux"};
  Descriptor inner_descriptor = store_.PutIndex(inner);
  Index outer;
  outer.manifests = {inner_descriptor, web_.manifest};
  Descriptor outer_descriptor = store_.PutIndex(outer);
  store_.Tag("multi", outer_descriptor);
  EXPECT_EQ(store_.Resolve("multi").media_type, media_types::kOciIndex);
}

}  // namespace
}  // namespace imgbuild::layers
