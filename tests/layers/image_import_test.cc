// Imports of hostile and odd input: every archive of
// testdata/layers/malicious-archives (see make_corpus.py there) must fail
// with an error naming the member, field or digest and leave the store as
// it was; plus corrupt layout directories, naming rules and -t.
#include <filesystem>

#include <gtest/gtest.h>

#include "layers/image_export.h"
#include "layers/image_import.h"
#include "layers/store.h"
#include "layers/store_fsck.h"
#include "tests/layers/image_testing.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

const std::string kCorpus = IMGBUILD_SOURCE_DIR "/testdata/layers/malicious-archives";

struct HostileCase {
  std::string file;
  std::vector<std::string> expected;  // all must appear in the error
};

const std::vector<HostileCase> kCases = {
    {"traversal.tar", {"member \"../evil.txt\" points outside the archive"}},
    {"absolute.tar", {"member \"/tmp/imgbuild-evil.txt\" points outside the archive"}},
    {"device.tar", {"member \"dev/null\" is a device"}},
    {"duplicate.tar", {"member \"index.json\" appears twice"}},
    {"missing_blob.tar", {"blob sha256:", "referenced by manifest sha256:", "is missing"}},
    {"bad_digest.tar", {"member \"blobs/sha256/", "blob verification failed", "got sha256:"}},
    {"size_mismatch.tar", {"referenced by index.json manifests[0] is", "descriptor says"}},
    {"invalid_index_json.tar", {"index.json: invalid JSON"}},
    {"invalid_manifest.tar", {"manifest sha256:", "field \"config\": required field is missing"}},
    {"bad_layout_version.tar", {"imageLayoutVersion \"9.9.9\""}},
    {"not_an_image.tar", {"neither index.json", "nor manifest.json"}},
    {"docker_config_outside.tar",
     {"manifest.json [0].Config \"../config.json\" points outside the archive"}},
    {"docker_layer_absolute.tar",
     {"manifest.json [0].Layers[0] \"/etc/passwd\" points outside the archive"}},
    {"docker_symlink_outside.tar",
     {"manifest.json [0].Layers[0] \"evil/layer.tar\" points outside the archive"}},
    {"docker_missing_layer.tar", {"[0].Layers[0] names \"nothere.tar\", which is not in"}},
    {"docker_invalid_manifest.tar", {"manifest.json: field \"[0].Config\": expected a string"}},
    {"docker_diffid_mismatch.tar",
     {"member \"layer.tar\" (manifest.json [0].Layers[0]) has diff ID", "rootfs.diff_ids[0]"}},
    {"docker_layer_count.tar", {"lists 2 layers but its config config.json has 1 diff IDs"}},
    {"docker_invalid_config.tar", {"member \"config.json\": invalid JSON"}},
    {"absurd_size.tar", {"declares a size of 4611686018427387904 bytes"}},
    {"truncated.tar", {"declares 300000 bytes but the archive is only", "truncated"}},
    {"truncated.tar.gz", {"member \"blobs/sha256/", "truncated gzip input"}},
};

std::string ImportError(const Store& store, const std::string& path,
                        const ImportOptions& options = {}) {
  try {
    ImportImages(store, path, options);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

class ImageImportTest : public ::testing::Test {
 protected:
  // The store must be exactly as before: same index.json, no blob, no temp file.
  void ExpectUntouched(const std::string& what) {
    EXPECT_TRUE(store_.List().empty()) << what;
    EXPECT_TRUE(store_.ScanBlobs().blobs.empty()) << what;
    EXPECT_TRUE(store_.ListTempFiles().empty()) << what;
  }

  TempDir dir_;
  Store store_{dir_.path() + "/store"};
};

TEST_F(ImageImportTest, HostileArchivesFailClearlyAndChangeNothing) {
  size_t corpus_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus)) {
    corpus_files += entry.path().extension() != ".py";
  }
  EXPECT_EQ(corpus_files, kCases.size()) << "every corpus file needs a case here";
  for (const HostileCase& hostile : kCases) {
    std::string error = ImportError(store_, kCorpus + "/" + hostile.file);
    ASSERT_FALSE(error.empty()) << hostile.file << " was imported";
    EXPECT_TRUE(error.starts_with(kCorpus + "/" + hostile.file)) << error;
    for (const std::string& expected : hostile.expected) {
      EXPECT_NE(error.find(expected), std::string::npos) << hostile.file << ": " << error;
    }
    ExpectUntouched(hostile.file);
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/imgbuild-evil.txt"));
}

class LayoutImportTest : public ImageImportTest {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() + "/work");
    image_.emplace(image_testing::BuildTestImage(source_, dir_.path() + "/work"));
    layout_ = dir_.path() + "/layout";
    ExportLayoutDirectory(source_, {{"app:1.0", image_->manifest}}, layout_);
  }

  std::string LayoutBlob(const Descriptor& descriptor) const {
    return layout_ + "/blobs/sha256/" + descriptor.digest.hex();
  }

  Store source_{dir_.path() + "/source"};
  std::optional<image_testing::BuiltImage> image_;
  std::string layout_;
};

TEST_F(LayoutImportTest, CorruptLayerInADirectoryIsRefused) {
  std::string bytes = ReadFileToString(LayoutBlob(image_->layers[1]), 1 << 20);
  bytes[10] ^= 0x55;
  store_testing::WriteTextFile(LayoutBlob(image_->layers[1]), bytes);
  std::string error = ImportError(store_, layout_);
  EXPECT_NE(error.find(layout_ + ": blobs/sha256/" + image_->layers[1].digest.hex() +
                       ": blob verification failed"),
            std::string::npos)
      << error;
  ExpectUntouched("corrupt layer");
}

TEST_F(LayoutImportTest, MissingAndOversizedBlobsAreRefused) {
  std::filesystem::remove(LayoutBlob(image_->config));
  std::string error = ImportError(store_, layout_);
  EXPECT_NE(error.find("blob " + image_->config.digest.ToString() + " (" +
                       std::string(media_types::kOciConfig) + ") referenced by manifest " +
                       image_->manifest.digest.ToString() + " is missing"),
            std::string::npos)
      << error;
  ExpectUntouched("missing config");

  store_testing::WriteTextFile(LayoutBlob(image_->config), std::string(1 << 21, '{'));
  error = ImportError(store_, layout_);
  EXPECT_NE(error.find("blob verification failed"), std::string::npos) << error;
  ExpectUntouched("oversized config");
}

TEST_F(LayoutImportTest, NamesComeFromAnnotationsOrTheTagOption) {
  ImportResult result = ImportImages(store_, layout_);
  EXPECT_EQ(result.format, ImportFormat::kOciLayout);
  ASSERT_EQ(result.images.size(), 1u);
  EXPECT_EQ(result.images[0].name, "app:1.0");
  EXPECT_TRUE(result.images[0].descriptor.annotations.empty());
  EXPECT_EQ(store_.List()[0].name, "app:1.0");

  ImportResult renamed = ImportImages(store_, layout_, {.name = "registry.local:5000/x/y"});
  EXPECT_EQ(renamed.images[0].name, "registry.local:5000/x/y:latest");
  EXPECT_EQ(renamed.blobs_added, 0);
  EXPECT_EQ(store_.Resolve("registry.local:5000/x/y:latest").digest, image_->manifest.digest);
}

TEST_F(LayoutImportTest, UnnamedImagesNeedATagAndSeveralImagesRefuseOne) {
  std::string unnamed = dir_.path() + "/unnamed";
  ExportLayoutDirectory(source_, {{"", image_->manifest}}, unnamed);
  std::string error = ImportError(store_, unnamed);
  EXPECT_NE(error.find("image " + image_->manifest.digest.ToString() +
                       " has no name; pass one with -t"),
            std::string::npos)
      << error;
  ExpectUntouched("unnamed");
  ImportImages(store_, unnamed, {.name = "named"});
  EXPECT_EQ(store_.Resolve("named:latest").digest, image_->manifest.digest);

  Descriptor index = image_testing::BuildTestIndex(source_, dir_.path() + "/work");
  std::string two = dir_.path() + "/two.tar";
  ExportImageArchive(source_, {{"a:1", image_->manifest}, {"b:1", index}},
                     ExportFormat::kOciArchive, two);
  error = ImportError(store_, two, {.name = "c"});
  EXPECT_NE(error.find("holds 2 images; a name given with -t fits only an input with one"),
            std::string::npos)
      << error;
  ImportResult both = ImportImages(store_, two);
  ASSERT_EQ(both.images.size(), 2u);
  EXPECT_EQ(store_.Resolve("b:1").digest, index.digest);
}

TEST_F(LayoutImportTest, UnnamedImagesCanBeKeptWithoutANameOrATag) {
  std::string unnamed = dir_.path() + "/unnamed";
  ExportLayoutDirectory(source_, {{"", image_->manifest}}, unnamed);
  ImportResult result = ImportImages(store_, unnamed, {.keep_unnamed = true});
  ASSERT_EQ(result.images.size(), 1u);
  EXPECT_EQ(result.images[0].name, "");
  EXPECT_EQ(result.images[0].descriptor.digest, image_->manifest.digest);
  EXPECT_TRUE(store_.List().empty()) << "nothing is tagged";
  EXPECT_EQ(store_.ReadManifest(result.images[0].descriptor).layers.size(), 2u);
}

TEST_F(LayoutImportTest, GzipAndZstdCompressedOciArchivesAreRead) {
  std::string tar = dir_.path() + "/image.tar";
  ExportImageArchive(source_, {{"app:1.0", image_->manifest}}, ExportFormat::kOciArchive, tar);
  int round = 0;
  for (std::string compress : {"gzip -n -k", "zstd -q"}) {
    std::string suffix = round == 0 ? ".gz" : ".zst";
    store_testing::CommandResult made = store_testing::RunCommand(compress + " '" + tar + "'");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    Store store(dir_.path() + "/compressed" + std::to_string(round++));
    ImportResult result = ImportImages(store, tar + suffix);
    EXPECT_EQ(result.format, ImportFormat::kOciArchive);
    EXPECT_EQ(store.Resolve("app:1.0").digest, image_->manifest.digest) << suffix;
    EXPECT_TRUE(Fsck(store).issues.empty()) << Fsck(store).Summary();
  }
}

TEST_F(LayoutImportTest, BlobsTheStoreHasAreStillVerified) {
  std::string tar = dir_.path() + "/image.tar";
  ExportImageArchive(source_, {{"app:1.0", image_->manifest}}, ExportFormat::kOciArchive, tar);
  ImportImages(store_, tar);
  std::string bytes = ReadFileToString(tar, 64 << 20);
  size_t text = bytes.find("key=value");
  ASSERT_NE(text, std::string::npos) << "layer 1 is stored uncompressed";
  bytes[text] = 'K';
  store_testing::WriteTextFile(tar, bytes);
  std::string error = ImportError(store_, tar);
  EXPECT_NE(error.find("member \"blobs/sha256/" + image_->layers[0].digest.hex() +
                       "\": content hashes to sha256:"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace imgbuild::layers
