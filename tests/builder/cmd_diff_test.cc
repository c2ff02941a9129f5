// `imgbuild diff` as users run it: the built binary on images in a store, an
// OCI layout and an archive, checking output and exit status.
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/image_export.h"
#include "layers/store.h"
#include "tests/layers/diff_testing.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::cli {
namespace {

const std::string kImgbuild = IMGBUILD_BINARY_DIR "/builder/imgbuild";

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class DiffCommandTest : public layers::testing::RootTest {
 protected:
  void SetUp() override {
    RootTest::SetUp();
    ASSERT_TRUE(std::filesystem::exists(kImgbuild)) << kImgbuild << " is not built";
    layers::diff_testing::ImageFactory factory(store_, dir_.path());
    store_.Tag("app:1", factory.Image({factory.Layer(factory.BaseTree("a"))}));
    std::string tree = factory.BaseTree("b");
    ASSERT_EQ(chmod((tree + "/bin/tool").c_str(), 0700), 0);
    store_.Tag("app:2", factory.Image({factory.Layer(tree)}));
  }

  // Runs imgbuild with `args` (shell words), against the test store unless
  // `with_root` is false.
  Outcome Run(const std::string& args, bool with_root = true) {
    std::string out = dir_.path() + "/stdout", err = dir_.path() + "/stderr";
    std::string root = with_root ? " --root '" + store_.root() + "'" : "";
    std::string command =
        kImgbuild + " " + args + root + " >'" + out + "' 2>'" + err + "' </dev/null";
    int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadFileToString(out, 64 << 20),
            ReadFileToString(err, 1 << 20)};
  }

  TempDir dir_{"cmd-diff-"};
  layers::Store store_{dir_.path() + "/store"};
};

TEST_F(DiffCommandTest, OneFileModeIsNamedInTextAndExitsOne) {
  Outcome outcome = Run("diff app:1 app:2");
  EXPECT_EQ(outcome.exit_code, 1) << outcome.out << outcome.err;
  EXPECT_NE(outcome.out.find("A: app:1 sha256:"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find(" fields, 1 path in the final file system, 1 layer\n"),
            std::string::npos)
      << outcome.out;
  EXPECT_NE(outcome.out.find("final file system:\n  /bin/tool: mode 0755 -> 0700 (A: layers[0] "
                             "sha256:"),
            std::string::npos)
      << outcome.out;
  EXPECT_NE(outcome.out.find("layers[0] (diff ID sha256:"), std::string::npos) << outcome.out;
  EXPECT_EQ(outcome.err, "");
}

TEST_F(DiffCommandTest, OneFileModeIsNamedInJson) {
  Outcome outcome = Run("diff --format json app:1 app:2");
  ASSERT_EQ(outcome.exit_code, 1) << outcome.out << outcome.err;
  nlohmann::json json = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(json["identical"], false);
  EXPECT_EQ(json["a"]["name"], "app:1");
  ASSERT_EQ(json["filesystem"]["changes"].size(), 1u) << json.dump(2);
  const nlohmann::json& change = json["filesystem"]["changes"][0];
  EXPECT_EQ(change["path"], "/bin/tool");
  EXPECT_EQ(change["layerA"], 0);
  EXPECT_EQ(change["fields"],
            nlohmann::json::parse(R"([{"field":"mode","a":"0755","b":"0700"}])"));
  ASSERT_EQ(json["layers"].size(), 1u);
  EXPECT_EQ(json["layers"][0]["index"], 0);
  EXPECT_EQ(json["layers"][0]["changes"][0]["path"], "/bin/tool");
}

TEST_F(DiffCommandTest, IdenticalImagesExitZeroFromEverySource) {
  std::string digest = store_.Resolve("app:1").digest.ToString();
  std::string layout = dir_.path() + "/layout";
  layers::ExportLayoutDirectory(store_, {{"v1", store_.Resolve("app:1")}}, layout);
  std::string archive = dir_.path() + "/image.tar";
  layers::ExportImageArchive(store_, {{"app:1", store_.Resolve("app:1")}},
                             layers::ExportFormat::kDockerArchive, archive);
  for (const std::string& other :
       {std::string("app:1"), "oci-layout://" + layout + ":v1", "oci-layout://" + layout,
        archive}) {
    Outcome outcome = Run("diff app:1 " + other);
    EXPECT_EQ(outcome.exit_code, 0) << other << "\n" << outcome.out << outcome.err;
    EXPECT_NE(outcome.out.find("identical: " + digest), std::string::npos) << outcome.out;
  }
  EXPECT_FALSE(std::filesystem::exists(layout + "/.imgbuild")) << "the layout is only read";
}

TEST_F(DiffCommandTest, AMissingImageExitsTwoNamingIt) {
  Outcome outcome = Run("diff app:1 app:missing");
  EXPECT_EQ(outcome.exit_code, 2) << outcome.out << outcome.err;
  EXPECT_NE(outcome.err.find("app:missing"), std::string::npos) << outcome.err;
  outcome = Run("diff app:1 oci-layout://" + dir_.path() + "/nowhere:v1");
  EXPECT_EQ(outcome.exit_code, 2) << outcome.out << outcome.err;
  EXPECT_NE(outcome.err.find(dir_.path() + "/nowhere"), std::string::npos) << outcome.err;
}

TEST_F(DiffCommandTest, HelpDocumentsFormsAndExitStatus) {
  Outcome outcome = Run("help diff", false);
  EXPECT_EQ(outcome.exit_code, 0);
  for (const char* text : {"oci-layout://", "docker-archive://", "--format", "--root",
                           "Exit status: 0 identical"}) {
    EXPECT_NE(outcome.out.find(text), std::string::npos) << text << "\n" << outcome.out;
  }
}

}  // namespace
}  // namespace imgbuild::cli
