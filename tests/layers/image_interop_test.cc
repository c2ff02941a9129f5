// What we export, real tools read; what they write, we import. skopeo
// (oci:, oci-archive:, docker-archive:), umoci, oci-image-tool and podman
// run against a two-layer image exported from the store.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/image_export.h"
#include "layers/image_import.h"
#include "layers/store.h"
#include "layers/store_fsck.h"
#include "tests/layers/image_testing.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using store_testing::CommandResult;
using store_testing::RunCommand;

class ImageInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"skopeo", "umoci", "oci-image-tool", "podman", "runc", "gzip"}) {
      ASSERT_TRUE(store_testing::HaveTool(tool))
          << tool << " is not installed; run scripts/setup.sh";
    }
    std::filesystem::create_directories(dir_.path() + "/work");
    image_.emplace(image_testing::BuildTestImage(store_, dir_.path() + "/work"));
    store_.Tag("app:1.0", image_->manifest);
  }

  std::string MustRun(const std::string& command) {
    CommandResult result = RunCommand(command);
    EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.output;
    return result.output;
  }

  std::string Export(ExportFormat format, const std::string& name) {
    std::string path = dir_.path() + "/" + name;
    std::vector<ExportImage> images = {{"app:1.0", image_->manifest}};
    if (format == ExportFormat::kOciLayout) {
      ExportLayoutDirectory(store_, images, path);
    } else {
      ExportImageArchive(store_, images, format, path);
    }
    return path;
  }

  static nlohmann::json Json(const std::string& text) {
    return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  }

  nlohmann::json DiffIds() const {
    nlohmann::json ids = nlohmann::json::array();
    for (const Digest& id : image_->diff_ids) ids.push_back(id.ToString());
    return ids;
  }

  TempDir dir_;
  Store store_{dir_.path() + "/store"};
  std::optional<image_testing::BuiltImage> image_;
};

TEST_F(ImageInteropTest, SkopeoInspectsTheLayoutAndTheOciArchive) {
  std::string layout = Export(ExportFormat::kOciLayout, "layout");
  std::string archive = Export(ExportFormat::kOciArchive, "app.tar");
  // The ref name is the tag, as buildx writes it: oci:DIR:1.0 finds the image.
  for (const std::string& ref : {"oci:" + layout + ":1.0", "oci-archive:" + archive}) {
    nlohmann::json inspect = Json(MustRun("skopeo inspect " + ref));
    EXPECT_EQ(inspect["Digest"], image_->manifest.digest.ToString()) << ref;
    EXPECT_EQ(inspect["Layers"], nlohmann::json::array({image_->layers[0].digest.ToString(),
                                                        image_->layers[1].digest.ToString()}))
        << ref;
    EXPECT_EQ(inspect["Architecture"], "amd64") << ref;
    EXPECT_EQ(MustRun("skopeo inspect --raw " + ref), store_.ReadBlob(image_->manifest)) << ref;
    nlohmann::json config = Json(MustRun("skopeo inspect --config " + ref));
    EXPECT_EQ(config["rootfs"]["diff_ids"], DiffIds()) << ref;
  }
}

TEST_F(ImageInteropTest, SkopeoCopiesFromTheLayoutAndTheOciArchive) {
  std::string layout = Export(ExportFormat::kOciLayout, "layout");
  std::string archive = Export(ExportFormat::kOciArchive, "app.tar");
  // Without --preserve-digests skopeo would gzip the uncompressed layer.
  std::string copy = "skopeo copy --quiet --preserve-digests ";
  MustRun(copy + "oci:" + layout + ":1.0 oci:" + dir_.path() + "/copy1:x");
  MustRun(copy + "oci-archive:" + archive + " oci:" + dir_.path() + "/copy2:y");
  EXPECT_EQ(Store(dir_.path() + "/copy1").Resolve("x").digest.ToString(),
            image_->manifest.digest.ToString());
  Store copy2(dir_.path() + "/copy2");
  EXPECT_EQ(copy2.Resolve("y").digest.ToString(), image_->manifest.digest.ToString());
  EXPECT_TRUE(Fsck(copy2).issues.empty()) << Fsck(copy2).Summary();
}

TEST_F(ImageInteropTest, UmociUnpacksTheExportedLayout) {
  std::string layout = Export(ExportFormat::kOciLayout, "layout");
  std::string bundle = dir_.path() + "/bundle";
  std::string rootless = geteuid() == 0 ? "" : " --rootless";
  MustRun("umoci unpack" + rootless + " --image " + layout + ":1.0 " + bundle);
  EXPECT_EQ(ReadFileToString(bundle + "/rootfs/hello.sh", 1024), "#!/bin/sh\necho hello\n");
  EXPECT_EQ(std::filesystem::read_symlink(bundle + "/rootfs/config-link"), "etc/app/config.txt");
  EXPECT_EQ(ReadFileToString(bundle + "/rootfs/config-link", 1024), "key=value\n");
  EXPECT_EQ(ReadFileToString(bundle + "/rootfs/data/greeting.txt", 1024),
            "greetings from layer two\n");
  nlohmann::json runtime = Json(ReadFileToString(bundle + "/config.json", 1 << 20));
  EXPECT_EQ(runtime["process"]["args"], nlohmann::json::array({"/hello.sh"}));
}

TEST_F(ImageInteropTest, OciImageToolValidatesTheExportedLayout) {
  std::string layout = Export(ExportFormat::kOciLayout, "layout");
  std::string output = MustRun("oci-image-tool validate --type image " + layout);
  output += MustRun("oci-image-tool validate --type image --ref name=1.0 " + layout);
  EXPECT_EQ(output.find("error"), std::string::npos) << output;
  EXPECT_NE(output.find("Validation succeeded"), std::string::npos) << output;
}

TEST_F(ImageInteropTest, SkopeoReadsTheDockerArchiveThroughManifestJson) {
  std::string archive = Export(ExportFormat::kDockerArchive, "docker.tar");
  // docker-archive: reads manifest.json only (never index.json), decompresses
  // layers and describes them by diff ID.
  std::string ref = "docker-archive:" + archive;
  nlohmann::json tags = Json(MustRun("skopeo list-tags " + ref));
  EXPECT_EQ(tags["Tags"], nlohmann::json::array({"docker.io/library/app:1.0"})) << tags.dump();
  nlohmann::json inspect = Json(MustRun("skopeo inspect " + ref));
  EXPECT_EQ(inspect["Layers"], DiffIds());
  nlohmann::json raw = Json(MustRun("skopeo inspect --raw " + ref));
  EXPECT_EQ(raw["config"]["digest"], image_->config.digest.ToString());
  MustRun("skopeo copy --quiet " + ref + " oci:" + dir_.path() + "/fromdocker:z");
  Store copy(dir_.path() + "/fromdocker");
  Manifest copied = copy.ReadManifest(copy.Resolve("z"));
  EXPECT_EQ(copied.config.digest.ToString(), image_->config.digest.ToString());
}

TEST_F(ImageInteropTest, PodmanLoadsTheDockerArchive) {
  std::string archive = Export(ExportFormat::kDockerArchive, "docker.tar");
  // A private --root/--runroot keeps the machine's podman images untouched,
  // and vfs needs no overlay mount support in the temp directory.
  std::string podman = "podman --root " + dir_.path() + "/podman-root --runroot " + dir_.path() +
                       "/podman-run --storage-driver vfs --runtime runc --events-backend none ";
  std::string loaded = MustRun(podman + "load -i " + archive);
  EXPECT_NE(loaded.find("Loaded image: docker.io/library/app:1.0"), std::string::npos) << loaded;
  nlohmann::json images = Json(MustRun(podman + "images --format json"));
  ASSERT_EQ(images.size(), 1u) << images.dump();
  EXPECT_EQ(images[0]["Id"], image_->config.digest.hex());
  EXPECT_EQ(images[0]["Names"], nlohmann::json::array({"docker.io/library/app:1.0"}));
  nlohmann::json inspect = Json(MustRun(podman + "inspect docker.io/library/app:1.0"));
  EXPECT_EQ(inspect[0]["Id"], image_->config.digest.hex());
  EXPECT_EQ(inspect[0]["Config"]["Cmd"], nlohmann::json::array({"/hello.sh"}));
  EXPECT_EQ(inspect[0]["RootFS"]["Layers"], DiffIds());
  MustRun(podman + "rmi docker.io/library/app:1.0");
  EXPECT_EQ(Json(MustRun(podman + "images --format json")).size(), 0u);

  // podman reads the OCI index first; without it, its docker-archive reader
  // takes manifest.json and the gzip layer as they are.
  MustRun("tar --delete -f " + archive + " index.json oci-layout");
  loaded = MustRun(podman + "load -i " + archive);
  EXPECT_NE(loaded.find("Loaded image: docker.io/library/app:1.0"), std::string::npos) << loaded;
  images = Json(MustRun(podman + "images --format json"));
  ASSERT_EQ(images.size(), 1u) << images.dump();
  EXPECT_EQ(images[0]["Id"], image_->config.digest.hex());
  MustRun(podman + "rmi docker.io/library/app:1.0");
}

TEST_F(ImageInteropTest, ImportsTheArchivesSkopeoWrites) {
  std::string layout = Export(ExportFormat::kOciLayout, "layout");
  std::string docker = dir_.path() + "/skopeo-docker.tar";
  std::string oci = dir_.path() + "/skopeo-oci.tar";
  MustRun("skopeo copy --quiet oci:" + layout + ":1.0 docker-archive:" + docker + ":app:1.0");
  MustRun("skopeo copy --quiet --preserve-digests oci:" + layout + ":1.0 oci-archive:" + oci +
          ":app:1.0");

  Store from_docker(dir_.path() + "/from-docker");
  ImportResult result = ImportImages(from_docker, docker);
  EXPECT_EQ(result.format, ImportFormat::kDockerArchive);
  ASSERT_EQ(result.images.size(), 1u);
  EXPECT_EQ(result.images[0].name, "app:1.0");
  // skopeo wrote the layers uncompressed: they are their own diff IDs.
  Manifest manifest = from_docker.ReadManifest(from_docker.Resolve("app:1.0"));
  EXPECT_EQ(manifest.config.digest.ToString(), image_->config.digest.ToString());
  ASSERT_EQ(manifest.layers.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(manifest.layers[i].digest.ToString(), image_->diff_ids[i].ToString());
    EXPECT_EQ(manifest.layers[i].media_type, media_types::kOciLayerTar);
  }
  EXPECT_TRUE(Fsck(from_docker).issues.empty()) << Fsck(from_docker).Summary();

  Store from_oci(dir_.path() + "/from-oci");
  result = ImportImages(from_oci, oci);
  EXPECT_EQ(result.format, ImportFormat::kOciArchive);
  EXPECT_EQ(from_oci.Resolve("app:1.0").digest.ToString(), image_->manifest.digest.ToString());
  EXPECT_TRUE(Fsck(from_oci).issues.empty()) << Fsck(from_oci).Summary();
}

}  // namespace
}  // namespace imgbuild::layers
