// The store commands run as users run them: the built imgbuild binary with
// a temporary --root, checking output and exit status.
#include <sys/wait.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/store.h"
#include "tests/layers/image_testing.h"
#include "util/fd.h"
#include "util/human_size.h"
#include "util/temp_dir.h"

namespace imgbuild::cli {
namespace {

const std::string kImgbuild = IMGBUILD_BINARY_DIR "/builder/imgbuild";
const std::string kCorpus = IMGBUILD_SOURCE_DIR "/testdata/layers/malicious-archives";

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class StoreCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kImgbuild)) << kImgbuild << " is not built";
    std::filesystem::create_directories(dir_.path() + "/work");
    image_.emplace(layers::image_testing::BuildTestImage(store_, dir_.path() + "/work"));
    store_.Tag("app:1.0", image_->manifest);
  }

  // Runs imgbuild with `args` (shell words) against `root`.
  Outcome Run(const std::string& args, const std::string& root = "") {
    std::string out = dir_.path() + "/stdout", err = dir_.path() + "/stderr";
    std::string command = kImgbuild + " " + args + " --root '" +
                          (root.empty() ? store_.root() : root) + "' >'" + out + "' 2>'" + err +
                          "' </dev/null";
    int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadFileToString(out, 64 << 20),
            ReadFileToString(err, 1 << 20)};
  }

  Outcome MustRun(const std::string& args, const std::string& root = "") {
    Outcome outcome = Run(args, root);
    EXPECT_EQ(outcome.exit_code, 0) << "imgbuild " << args << "\n" << outcome.out << outcome.err;
    return outcome;
  }

  std::string ManifestHex() const { return image_->manifest.digest.hex(); }

  int64_t TotalBlobBytes() const {
    return image_->manifest.size + image_->config.size + image_->layers[0].size +
           image_->layers[1].size;
  }

  TempDir dir_;
  layers::Store store_{dir_.path() + "/store"};
  std::optional<layers::image_testing::BuiltImage> image_;
};

TEST_F(StoreCommandsTest, HelpDescribesEveryStoreCommand) {
  for (const char* command : {"images", "inspect", "tag", "rm", "prune", "fsck", "load", "save"}) {
    std::string out = kImgbuild + " help " + command;
    std::string text;
    FILE* pipe = popen(out.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[4096];
    while (size_t got = fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, got);
    EXPECT_EQ(pclose(pipe), 0) << command;
    EXPECT_NE(text.find("--root"), std::string::npos) << command << ":\n" << text;
    EXPECT_GT(text.size(), 400u) << command << " needs a description:\n" << text;
  }
}

TEST_F(StoreCommandsTest, ImagesListsNameDigestCreatedAndSize) {
  Outcome table = MustRun("images");
  int64_t size = TotalBlobBytes();
  EXPECT_EQ(table.out, fmt::format("NAME     DIGEST        CREATED               SIZE\n"
                                   "app:1.0  {}  2024-01-02T03:04:05Z  {}\n",
                                   ManifestHex().substr(0, 12), HumanSize(size)));
  nlohmann::json json = nlohmann::json::parse(MustRun("images --format json").out);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["name"], "app:1.0");
  EXPECT_EQ(json[0]["digest"], image_->manifest.digest.ToString());
  EXPECT_EQ(json[0]["created"], "2024-01-02T03:04:05Z");
  EXPECT_EQ(json[0]["size"], size);

  // An image without a creation time shows "-".
  layers::ImageConfig config{.architecture = "amd64", .os = "linux"};
  layers::Descriptor bare = store_.PutManifest({.config = store_.PutConfig(config)});
  store_.Tag("bare", bare);
  EXPECT_NE(MustRun("images").out.find("bare:latest  " + bare.digest.hex().substr(0, 12) + "  -"),
            std::string::npos);
}

TEST_F(StoreCommandsTest, InspectShowsManifestConfigAndLayers) {
  Outcome text = MustRun("inspect app:1.0");
  EXPECT_NE(text.out.find("Name: app:1.0\nDigest: " + image_->manifest.digest.ToString()),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("Platform: linux/amd64"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("diff ID " + image_->diff_ids[1].ToString()), std::string::npos)
      << text.out;

  Outcome json_run = MustRun("inspect --format json " + ManifestHex().substr(0, 10));
  nlohmann::ordered_json json = nlohmann::ordered_json::parse(json_run.out);
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"name", "digest", "mediaType", "size", "manifest",
                                            "config", "layers"}));
  EXPECT_EQ(json["name"], "") << "given by digest, the image is shown without a name";
  EXPECT_EQ(json["config"]["config"]["Cmd"], nlohmann::json::array({"/hello.sh"}));
  EXPECT_EQ(json["layers"][1]["mediaType"], layers::media_types::kOciLayerGzip);
  EXPECT_EQ(json["layers"][1]["size"], image_->layers[1].size);
  EXPECT_EQ(json["layers"][1]["diffID"], image_->diff_ids[1].ToString());
  EXPECT_EQ(MustRun("inspect --format json " + ManifestHex().substr(0, 10)).out, json_run.out)
      << "the JSON must be stable";

  Outcome missing = Run("inspect nothere");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("imgbuild: error: no image \"nothere\""), std::string::npos)
      << missing.err;
}

TEST_F(StoreCommandsTest, TagAndRmManageNames) {
  MustRun("tag app:1.0 other:2");
  EXPECT_EQ(store_.Resolve("other:2").digest, image_->manifest.digest);
  MustRun("tag " + ManifestHex().substr(0, 8) + " third");
  EXPECT_EQ(store_.List().size(), 3u);

  EXPECT_EQ(MustRun("rm other:2").out, "Untagged: other:2\n");
  Outcome partly = Run("rm nothere third");
  EXPECT_EQ(partly.exit_code, 1);
  EXPECT_EQ(partly.out, "Untagged: third\n");
  EXPECT_NE(partly.err.find("no image \"nothere\""), std::string::npos) << partly.err;

  MustRun("tag app:1.0 again");
  EXPECT_EQ(MustRun("rm sha256:" + ManifestHex().substr(0, 12)).out,
            "Untagged: again:latest\nUntagged: app:1.0\n");
  EXPECT_TRUE(store_.List().empty());
  EXPECT_EQ(Run("tag nothere x").exit_code, 1);
}

TEST_F(StoreCommandsTest, PruneFreesWhatRmLeftAndFsckChecks) {
  EXPECT_EQ(MustRun("fsck").exit_code, 0);
  MustRun("rm app:1.0");
  Outcome dry = MustRun("prune --dry-run");
  EXPECT_NE(dry.out.find("would remove blob " + image_->manifest.digest.ToString()),
            std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find("would remove 4 blobs and 0 temporary files"), std::string::npos)
      << dry.out;
  EXPECT_TRUE(store_.HasBlob(image_->manifest.digest));
  Outcome pruned = MustRun("prune");
  EXPECT_NE(pruned.out.find("removed 4 blobs and 0 temporary files, freed"), std::string::npos)
      << pruned.out;
  EXPECT_TRUE(store_.ScanBlobs().blobs.empty());
  EXPECT_NE(MustRun("prune").out.find("removed 0 blobs"), std::string::npos);
}

TEST_F(StoreCommandsTest, PruneUnnamedDropsImagesBuiltWithoutAName) {
  MustRun("rm app:1.0");
  store_.AddUnnamed(image_->manifest);  // as a build without -t leaves it
  EXPECT_NE(MustRun("prune").out.find("removed 0 blobs"), std::string::npos);
  Outcome pruned = MustRun("prune --unnamed");
  EXPECT_NE(pruned.out.find("removed unnamed image " + image_->manifest.digest.ToString()),
            std::string::npos)
      << pruned.out;
  EXPECT_NE(pruned.out.find("removed 1 unnamed image, 4 blobs and"), std::string::npos)
      << pruned.out;
  EXPECT_TRUE(store_.List().empty());
  EXPECT_TRUE(store_.ScanBlobs().blobs.empty());
}

TEST_F(StoreCommandsTest, FsckFailsOnACorruptBlob) {
  std::string layer = store_.BlobPath(image_->layers[0].digest);
  std::string bytes = ReadFileToString(layer, 1 << 20);
  bytes[100] ^= 1;
  layers::store_testing::WriteTextFile(layer, bytes);
  Outcome fsck = Run("fsck");
  EXPECT_EQ(fsck.exit_code, 1) << fsck.out << fsck.err;
  EXPECT_NE(fsck.out.find("corrupt blob " + image_->layers[0].digest.ToString()),
            std::string::npos)
      << fsck.out;
  // A damaged image is still listed, without what cannot be read.
  std::filesystem::remove(store_.BlobPath(image_->config.digest));
  EXPECT_NE(MustRun("images").out.find("app:1.0  " + ManifestHex().substr(0, 12) + "  -  "),
            std::string::npos);
  EXPECT_EQ(Run("fsck").exit_code, 1);
}

TEST_F(StoreCommandsTest, SaveAndLoadEveryFormat) {
  std::string oci = dir_.path() + "/app.tar", docker = dir_.path() + "/docker.tar";
  std::string layout = dir_.path() + "/layout";
  Outcome saved = MustRun("save -o " + oci + " app:1.0");
  EXPECT_EQ(saved.out, "Saved 1 image to " + oci + " (oci format): 4 blobs, " +
                           HumanSize(TotalBlobBytes()) + "\n");
  MustRun("save --format docker -o " + docker + " app:1.0");
  MustRun("save --format oci-dir -o " + layout + " app:1.0");
  Outcome to_stdout = MustRun("save app:1.0");
  EXPECT_EQ(to_stdout.out, ReadFileToString(oci, 64 << 20)) << "stdout gets the same bytes";
  EXPECT_EQ(Run("save --format oci-dir app:1.0").exit_code, 1);

  int round = 0;
  for (const std::string& input : {oci, docker, layout}) {
    std::string root = dir_.path() + "/loaded" + std::to_string(round++);
    Outcome loaded = MustRun("load " + input, root);
    EXPECT_NE(loaded.out.find("Loaded image: app:1.0 (" + image_->manifest.digest.ToString() +
                              ")\n"),
              std::string::npos)
        << loaded.out;
    EXPECT_NE(loaded.out.find("4 new blobs"), std::string::npos) << loaded.out;
    EXPECT_EQ(MustRun("fsck", root).exit_code, 0);
  }
  Outcome renamed = MustRun("load -t renamed:9 " + oci);
  EXPECT_NE(renamed.out.find("Loaded image: renamed:9"), std::string::npos) << renamed.out;
  EXPECT_NE(renamed.out.find("0 new blobs"), std::string::npos) << renamed.out;
}

TEST_F(StoreCommandsTest, LoadRefusesHostileArchivesNamingTheMember) {
  Outcome traversal = Run("load " + kCorpus + "/traversal.tar");
  EXPECT_EQ(traversal.exit_code, 1);
  EXPECT_NE(traversal.err.find("member \"../evil.txt\" points outside the archive"),
            std::string::npos)
      << traversal.err;
  Outcome bad = Run("load " + kCorpus + "/bad_digest.tar");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("blob verification failed"), std::string::npos) << bad.err;
  EXPECT_EQ(store_.List().size(), 1u);
  EXPECT_EQ(MustRun("fsck").exit_code, 0);
}

}  // namespace
}  // namespace imgbuild::cli
