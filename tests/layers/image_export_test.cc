// Exports from the store: byte-identical archives, normalised members,
// buildx-style names, the docker-archive manifest.json, round trips into a
// second store, and refusals (corrupt blobs, occupied destinations).
#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/image_export.h"
#include "layers/image_import.h"
#include "layers/store.h"
#include "layers/store_fsck.h"
#include "tests/layers/image_testing.h"
#include "tests/layers/layer_test_util.h"
#include "tests/layers/tar_fixtures.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using image_testing::BuiltImage;

class ImageExportTest : public ::testing::Test {
 protected:
  void SetUp() override { store_.Tag("app:1.0", image_.manifest); }

  BuiltImage Build() {
    std::filesystem::create_directories(dir_.path() + "/work");
    return image_testing::BuildTestImage(store_, dir_.path() + "/work");
  }

  std::vector<ExportImage> App() const { return {{"app:1.0", image_.manifest}}; }

  std::string Archive(ExportFormat format, const std::string& name) {
    std::string path = dir_.path() + "/" + name;
    ExportImageArchive(store_, App(), format, path);
    return ReadFileToString(path, 64 << 20);
  }

  TempDir dir_;
  Store store_{dir_.path() + "/store"};
  BuiltImage image_ = Build();
};

TEST_F(ImageExportTest, ArchivesAreByteIdenticalAcrossExportsAndStores) {
  for (ExportFormat format : {ExportFormat::kOciArchive, ExportFormat::kDockerArchive}) {
    std::string first = Archive(format, "first.tar");
    EXPECT_EQ(first, Archive(format, "second.tar"));
    // The same image built again in another store exports to the same bytes.
    Store other(dir_.path() + "/other");
    std::filesystem::create_directories(dir_.path() + "/work2");
    BuiltImage again = image_testing::BuildTestImage(other, dir_.path() + "/work2");
    testing::StringSink sink;
    WriteImageArchive(other, {{"app:1.0", again.manifest}}, format, sink);
    EXPECT_EQ(sink.bytes, first);
    EXPECT_TRUE(sink.closed);
  }
}

TEST_F(ImageExportTest, ArchiveMembersAreSortedAndNormalised) {
  std::vector<testing::ReadEntry> entries =
      testing::ReadTar(Archive(ExportFormat::kDockerArchive, "docker.tar"));
  std::vector<std::string> names = testing::Names(entries);
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(names, sorted);
  std::vector<std::string> expected = {"blobs/", "blobs/sha256/"};
  for (const Digest& digest :
       std::set<Digest>{image_.manifest.digest, image_.config.digest, image_.layers[0].digest,
                        image_.layers[1].digest}) {
    expected.push_back("blobs/sha256/" + digest.hex());
  }
  for (const char* file : {"index.json", "manifest.json", "oci-layout", "repositories"}) {
    expected.push_back(file);
  }
  EXPECT_EQ(names, expected);
  for (const testing::ReadEntry& entry : entries) {
    EXPECT_EQ(entry.uid, 0) << entry.name;
    EXPECT_EQ(entry.gid, 0) << entry.name;
    EXPECT_EQ(entry.uname, "") << entry.name;
    EXPECT_EQ(entry.mtime, 0) << entry.name;
    EXPECT_FALSE(entry.atime_set || entry.ctime_set) << entry.name;
    EXPECT_EQ(entry.mode & 07777, S_ISDIR(entry.mode) ? 0755u : 0644u) << entry.name;
  }
  EXPECT_EQ(entries[2].data, store_.ReadBlob(DescribeBytes("", entries[2].data).digest, 1 << 20));
}

TEST_F(ImageExportTest, IndexJsonNamesTheImageLikeBuildx) {
  std::string layout = dir_.path() + "/layout";
  ExportLayoutDirectory(store_, App(), layout);
  Index index = ParseIndex(ReadFileToString(layout + "/index.json", 1 << 20), "index.json");
  ASSERT_EQ(index.manifests.size(), 1u);
  EXPECT_EQ(index.manifests[0].digest, image_.manifest.digest);
  EXPECT_EQ(index.manifests[0].annotations,
            (Annotations{{"io.containerd.image.name", "docker.io/library/app:1.0"},
                         {"org.opencontainers.image.ref.name", "1.0"}}));
  EXPECT_EQ(ReadFileToString(layout + "/oci-layout", 1024), R"({"imageLayoutVersion":"1.0.0"})");
  for (const Descriptor& blob : {image_.manifest, image_.config, image_.layers[1]}) {
    EXPECT_EQ(DigestOfFile(layout + "/blobs/sha256/" + blob.digest.hex()), blob.digest);
  }
  // An image exported by digest carries no name.
  std::string unnamed = dir_.path() + "/unnamed";
  ExportLayoutDirectory(store_, {{"", image_.manifest}}, unnamed);
  index = ParseIndex(ReadFileToString(unnamed + "/index.json", 1 << 20), "index.json");
  EXPECT_TRUE(index.manifests[0].annotations.empty());
}

TEST_F(ImageExportTest, DockerArchiveListsConfigTagsAndLayers) {
  std::string path = dir_.path() + "/docker.tar";
  ExportImageArchive(store_, App(), ExportFormat::kDockerArchive, path);
  std::map<std::string, std::string> files;
  for (testing::ReadEntry& entry : testing::ReadTar(ReadFileToString(path, 64 << 20))) {
    files[entry.name] = entry.data;
  }
  std::string config = "blobs/sha256/" + image_.config.digest.hex();
  std::string layer0 = "blobs/sha256/" + image_.layers[0].digest.hex();
  std::string layer1 = "blobs/sha256/" + image_.layers[1].digest.hex();
  std::string tags = R"(","RepoTags":["docker.io/library/app:1.0"],"Layers":[")";
  EXPECT_EQ(files["manifest.json"],
            R"([{"Config":")" + config + tags + layer0 + R"(",")" + layer1 + "\"]}]\n");
  EXPECT_EQ(files["repositories"],
            R"({"docker.io/library/app":{"1.0":")" + image_.layers[1].digest.hex() + "\"}}\n");
}

TEST_F(ImageExportTest, RoundTripsThroughEveryFormatIntoAnotherStore) {
  std::string layout = dir_.path() + "/layout";
  ExportLayoutDirectory(store_, App(), layout);
  std::string oci = dir_.path() + "/oci.tar", docker = dir_.path() + "/docker.tar";
  ExportImageArchive(store_, App(), ExportFormat::kOciArchive, oci);
  ExportImageArchive(store_, App(), ExportFormat::kDockerArchive, docker);
  // A docker-archive as Docker before 25 wrote it: manifest.json alone.
  std::string legacy = dir_.path() + "/legacy.tar";
  std::filesystem::copy_file(docker, legacy);
  store_testing::CommandResult deleted =
      store_testing::RunCommand("tar --delete -f '" + legacy + "' index.json oci-layout");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;

  int round = 0;
  for (auto [input, format] : std::vector<std::pair<std::string, ImportFormat>>{
           {layout, ImportFormat::kOciLayout},
           {oci, ImportFormat::kOciArchive},
           {docker, ImportFormat::kOciArchive},
           {legacy, ImportFormat::kDockerArchive}}) {
    Store other(dir_.path() + "/other" + std::to_string(round++));
    ImportResult result = ImportImages(other, input);
    EXPECT_EQ(result.format, format) << input;
    ASSERT_EQ(result.images.size(), 1u) << input;
    EXPECT_EQ(result.images[0].name, "app:1.0") << input;
    // The docker-archive conversion rebuilds the very same manifest.
    EXPECT_EQ(other.Resolve("app:1.0").digest, image_.manifest.digest) << input;
    EXPECT_EQ(result.blobs_added, 4) << input;
    FsckReport report = Fsck(other);
    EXPECT_TRUE(report.issues.empty()) << input << "\n" << report.Summary();
    EXPECT_TRUE(other.ListTempFiles().empty()) << input;
  }
  // Into the store that has every blob: verified, nothing copied.
  ImportResult again = ImportImages(store_, legacy);
  EXPECT_EQ(again.blobs_added, 0);
  EXPECT_EQ(again.images[0].descriptor.digest, image_.manifest.digest);
}

TEST_F(ImageExportTest, MultiPlatformIndexRoundTripsAndDockerPicksOnePlatform) {
  Descriptor index = image_testing::BuildTestIndex(store_, dir_.path() + "/work");
  store_.Tag("multi:1", index);
  std::string oci = dir_.path() + "/multi.tar";
  ExportImageArchive(store_, {{"multi:1", index}}, ExportFormat::kOciArchive, oci);
  Store other(dir_.path() + "/other");
  ImportImages(other, oci);
  EXPECT_EQ(other.Resolve("multi:1").digest, index.digest);
  EXPECT_TRUE(Fsck(other).issues.empty()) << Fsck(other).Summary();

  std::string docker = dir_.path() + "/arm.tar";
  ExportOptions arm{.platform = Platform{.architecture = "arm64", .os = "linux"}};
  ExportImageArchive(store_, {{"multi:1", index}}, ExportFormat::kDockerArchive, docker, arm);
  Store arm_store(dir_.path() + "/arm");
  ImportImages(arm_store, docker);
  Descriptor picked = arm_store.Resolve("multi:1");
  EXPECT_EQ(arm_store.ReadConfig(arm_store.ReadManifest(picked).config).architecture, "arm64");

  ExportOptions s390{.platform = Platform{.architecture = "s390x", .os = "linux"}};
  testing::StringSink sink;
  try {
    WriteImageArchive(store_, {{"multi:1", index}}, ExportFormat::kDockerArchive, sink, s390);
    ADD_FAILURE() << "exported a platform the index lacks";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("no manifest for linux/s390x; it has linux/amd64, "
                                             "linux/arm64"),
              std::string::npos)
        << error.what();
  }
}

TEST_F(ImageExportTest, CorruptStoreBlobFailsTheExportAndLeavesNoFile) {
  std::string layer = store_.BlobPath(image_.layers[0].digest);
  std::string bytes = ReadFileToString(layer, 1 << 20);
  bytes[bytes.size() / 2] ^= 1;
  store_testing::WriteTextFile(layer, bytes);
  std::string path = dir_.path() + "/out.tar";
  try {
    ExportImageArchive(store_, App(), ExportFormat::kOciArchive, path);
    ADD_FAILURE() << "exported a corrupt blob";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(image_.layers[0].digest.ToString() + " in store"),
              std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), {}), 2)
      << "no temporary file may stay beside the destination";
  EXPECT_THROW(ExportLayoutDirectory(store_, App(), dir_.path() + "/layout"), Error);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/layout"));
}

TEST_F(ImageExportTest, RefusesANonEmptyDestinationDirectory) {
  std::string layout = dir_.path() + "/layout";
  std::filesystem::create_directories(layout);
  store_testing::WriteTextFile(layout + "/keep.txt", "mine\n");
  try {
    ExportLayoutDirectory(store_, App(), layout);
    ADD_FAILURE() << "exported into a non-empty directory";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("is not an empty directory"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(ReadFileToString(layout + "/keep.txt", 64), "mine\n");
  std::filesystem::remove(layout + "/keep.txt");
  ExportLayoutDirectory(store_, App(), layout);  // an empty directory is fine
  EXPECT_TRUE(std::filesystem::exists(layout + "/index.json"));
}

}  // namespace
}  // namespace imgbuild::layers
