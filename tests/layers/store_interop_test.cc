// The store is an OCI image layout that other tools read and write:
// skopeo, umoci and oci-image-tool are run against a real image in it.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/store.h"
#include "layers/store_fsck.h"
#include "tests/layers/store_testing.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using store_testing::CommandResult;
using store_testing::RunCommand;

constexpr const char* kName = "interop/app:1.0";

class StoreInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"skopeo", "umoci", "oci-image-tool", "tar", "gzip"}) {
      ASSERT_TRUE(store_testing::HaveTool(tool))
          << tool << " is not installed; run scripts/setup.sh";
    }
    std::string tree = dir_.path() + "/tree";
    store_testing::WriteTextFile(tree + "/hello.sh", "#!/bin/sh\necho hello\n");
    std::filesystem::permissions(tree + "/hello.sh", std::filesystem::perms::owner_exec,
                                 std::filesystem::perm_options::add);
    store_testing::WriteTextFile(tree + "/etc/app/config.txt", "key=value\n");
    std::filesystem::create_symlink("etc/app/config.txt", tree + "/config-link");
    image_.emplace(store_testing::PutTarImage(store_, tree, dir_.path()));
    store_.Tag(kName, image_->manifest);
  }

  // Runs `command`, failing the test with its output when it fails.
  std::string MustRun(const std::string& command) {
    CommandResult result = RunCommand(command);
    EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.output;
    return result.output;
  }

  std::string Ref() const { return "oci:" + store_.root() + ":" + kName; }

  TempDir dir_;
  Store store_{dir_.path() + "/root"};
  std::optional<store_testing::TestImage> image_;
};

TEST_F(StoreInteropTest, SkopeoInspectSeesManifestConfigAndLayers) {
  nlohmann::json inspect = nlohmann::json::parse(MustRun("skopeo inspect " + Ref()));
  EXPECT_EQ(inspect["Digest"], image_->manifest.digest.ToString());
  EXPECT_EQ(inspect["Layers"], nlohmann::json::array({image_->layers[0].digest.ToString()}));
  EXPECT_EQ(inspect["Architecture"], "amd64");
  EXPECT_EQ(inspect["Os"], "linux");

  nlohmann::json config = nlohmann::json::parse(MustRun("skopeo inspect --config " + Ref()));
  ImageConfig stored = store_.ReadConfig(image_->config);
  EXPECT_EQ(config["rootfs"]["diff_ids"], nlohmann::json::array({stored.diff_ids[0].ToString()}));
  EXPECT_EQ(config["config"]["Cmd"], nlohmann::json::array({"/hello.sh"}));

  std::string raw = RunCommand("skopeo inspect --raw " + Ref()).output;
  EXPECT_EQ(raw, store_.ReadBlob(image_->manifest))
      << "skopeo must read the manifest bytes as stored";
}

TEST_F(StoreInteropTest, SkopeoCopiesOutAndBackIn) {
  std::string other = dir_.path() + "/other";
  MustRun("skopeo copy --quiet " + Ref() + " oci:" + other + ":x");
  Store copy(other);  // Adopts the layout skopeo wrote.
  Descriptor copied = copy.Resolve("x");
  EXPECT_EQ(copied.digest, image_->manifest.digest);
  EXPECT_TRUE(copy.HasBlob(image_->layers[0].digest));
  FsckReport copy_report = Fsck(copy);
  EXPECT_TRUE(copy_report.issues.empty()) << copy_report.Summary();

  MustRun("skopeo copy --quiet oci:" + other + ":x oci:" + store_.root() + ":copied");
  EXPECT_EQ(store_.Resolve("copied").digest, image_->manifest.digest);
  EXPECT_EQ(store_.Resolve(kName).digest, image_->manifest.digest) << "skopeo must keep our entry";
  FsckReport report = Fsck(store_);
  EXPECT_TRUE(report.consistent()) << report.Summary();
  EXPECT_TRUE(report.Of(FsckIssue::Kind::kOrphanBlob).empty()) << report.Summary();
}

TEST_F(StoreInteropTest, UmociUnpacksTheImage) {
  std::string bundle = dir_.path() + "/bundle";
  std::string rootless = geteuid() == 0 ? "" : " --rootless";
  MustRun("umoci unpack" + rootless + " --image " + store_.root() + ":" + kName + " " + bundle);
  EXPECT_EQ(ReadFileToString(bundle + "/rootfs/hello.sh", 1024), "#!/bin/sh\necho hello\n");
  EXPECT_EQ(ReadFileToString(bundle + "/rootfs/etc/app/config.txt", 1024), "key=value\n");
  EXPECT_EQ(std::filesystem::read_symlink(bundle + "/rootfs/config-link"), "etc/app/config.txt");
  nlohmann::json runtime =
      nlohmann::json::parse(ReadFileToString(bundle + "/config.json", 1 << 20));
  EXPECT_EQ(runtime["process"]["args"], nlohmann::json::array({"/hello.sh"}));
}

TEST_F(StoreInteropTest, OciImageToolValidatesTheLayout) {
  // oci-image-tool 1.0.0-rc1 has no "imageLayout" type; "image" on a
  // directory validates the layout and every ref in it.
  std::string output = MustRun("oci-image-tool validate --type image " + store_.root());
  output += MustRun("oci-image-tool validate --type image --ref name=" + std::string(kName) + " " +
                    store_.root());
  EXPECT_EQ(output.find("error"), std::string::npos) << output;
  EXPECT_NE(output.find("Validation succeeded"), std::string::npos) << output;
  std::string config = dir_.path() + "/config.json";
  store_testing::WriteTextFile(config, store_.ReadBlob(image_->config));
  MustRun("oci-image-tool validate --type config " + config);
}

}  // namespace
}  // namespace imgbuild::layers
