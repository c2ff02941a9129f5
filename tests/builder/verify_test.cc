// `imgbuild verify` as users run it: the binary rebuilds a recipe in a
// throwaway store and compares it with an image from another store, an
// archive, the same store or a registry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/builder/cli_build_fixtures.h"
#include "tests/builder/sandbox_fixtures.h"
#include "tests/layers/store_testing.h"
#include "tests/registry/registry_fixture.h"
#include "util/dir.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

namespace fs = std::filesystem;
using layers::store_testing::CommandResult;
using layers::store_testing::RunCommand;
using test_support::kBusyboxLayout;
using test_support::kImgbuild;
using test_support::ReadTextFile;
using test_support::WaitForTheNextSecond;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kExample = IMGBUILD_SOURCE_DIR "/examples/hello";

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IMGBUILD_ASSERT_ROOT();
    ASSERT_TRUE(fs::exists(kImgbuild)) << kImgbuild << " is not built";
    ASSERT_TRUE(fs::exists(kBusyboxLayout)) << kBusyboxLayout << " is missing: build `fixtures`";
    fs::create_directories(tmpdir_);
  }

  // A store with the busybox fixture as busybox:latest.
  std::string NewStore(const std::string& name) {
    return test_support::LoadBusyboxStore(dir_.path() + "/" + name);
  }

  // A context directory holding `recipe` as its Buildfile.
  std::string Context(const std::string& recipe) {
    std::string context = dir_.path() + "/context";
    fs::create_directories(context);
    test_support::WriteTextFile(context + "/Buildfile", recipe);
    return context;
  }

  // `imgbuild build --root STORE ARGS`; returns the digest it printed last.
  std::string Build(const std::string& store, const std::string& args) {
    std::string iid = dir_.path() + "/iid";
    CommandResult built = RunCommand(kImgbuild + " build --progress plain --root '" + store +
                                     "' --iidfile '" + iid + "' " + args);
    EXPECT_EQ(built.exit_code, 0) << built.output;
    return fs::exists(iid) ? ReadTextFile(iid) : "";
  }

  // `imgbuild verify --root STORE ARGS`, stdout apart from stderr.
  struct Outcome {
    int exit_code;
    std::string out;
    std::string err;
  };
  Outcome Verify(const std::string& store, const std::string& args) {
    std::string err = dir_.path() + "/verify.err";
    CommandResult run = RunCommand("(TMPDIR='" + tmpdir_ + "' " + kImgbuild +
                                   " verify --progress plain --root '" + store + "' " + args +
                                   " 2>'" + err + "')");
    return {run.exit_code, run.output, ReadTextFile(err)};
  }

  // Nothing of the rebuild may stay: its store, mounts.
  void ExpectNothingLeft(const std::string& store) {
    EXPECT_THAT(ListDirectorySorted(tmpdir_), IsEmpty());
    EXPECT_THAT(ListDirectorySorted(store + "/.imgbuild/tmp"), IsEmpty());
    std::string mounts = ReadTextFile("/proc/self/mountinfo");
    EXPECT_THAT(mounts, Not(HasSubstr(store)));
    EXPECT_THAT(mounts, Not(HasSubstr(tmpdir_)));
  }

  TempDir dir_{"imgbuild-verify-test-", "/var/tmp"};
  std::string tmpdir_ = dir_.path() + "/tmp";
};

TEST_F(VerifyTest, RebuildsTheExampleAndMatchesTheImageOfAnotherStore) {
  std::string published = NewStore("published");
  std::string digest = Build(published, "--source-date-epoch 1700000000 -t hello -o type=oci,dest='" +
                                            dir_.path() + "/hello.tar' -f '" + kExample +
                                            "/Buildfile' '" + kExample + "'");
  ASSERT_THAT(digest, ::testing::StartsWith("sha256:"));
  WaitForTheNextSecond();

  std::string mine = NewStore("mine");
  // The epoch comes from the image's `created`: the user need not know it.
  for (const std::string& reference :
       {"oci-layout://" + published + ":hello", "oci-archive://" + dir_.path() + "/hello.tar"}) {
    Outcome verified =
        Verify(mine, "-f '" + kExample + "/Buildfile' --against " + reference + " " + kExample);
    EXPECT_EQ(verified.exit_code, 0) << reference << ":\n" << verified.out << verified.err;
    EXPECT_EQ(verified.out, digest + "\n") << reference;
    EXPECT_THAT(verified.err, HasSubstr("SOURCE_DATE_EPOCH=1700000000")) << reference;
  }
  ExpectNothingLeft(mine);
  CommandResult images = RunCommand(kImgbuild + " images --root '" + mine + "'");
  EXPECT_THAT(images.output, Not(HasSubstr("hello"))) << "verify named an image in the store";
}

TEST_F(VerifyTest, ADateWrittenByRunIsNamedWithItsFileAndLayer) {
  std::string store = NewStore("store");
  std::string context = Context(
      "FROM busybox:latest\nRUN echo stable > /stable\nRUN date > /built-at\nCMD [\"sh\"]\n");
  ASSERT_FALSE(Build(store, "--source-date-epoch 1700000000 -t dated '" + context + "'").empty());
  WaitForTheNextSecond();

  Outcome text = Verify(store, "--against dated '" + context + "'");
  EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_THAT(text.out, AllOf(HasSubstr("not reproduced"), HasSubstr("/built-at: content"),
                              HasSubstr("layers[2] (diff ID")));
  EXPECT_THAT(text.out, Not(HasSubstr("/stable")));

  Outcome json = Verify(store, "--format json --against dated '" + context + "'");
  EXPECT_EQ(json.exit_code, 1) << json.err;
  nlohmann::json report = nlohmann::json::parse(json.out);
  EXPECT_EQ(report["identical"], false);
  ASSERT_EQ(report["layers"].size(), 1u) << json.out;
  EXPECT_EQ(report["layers"][0]["index"], 2);
  ASSERT_EQ(report["layers"][0]["changes"].size(), 1u) << json.out;
  EXPECT_EQ(report["layers"][0]["changes"][0]["path"], "/built-at");
  ExpectNothingLeft(store);
}

TEST_F(VerifyTest, TroubleExitsTwoAndSaysWhy) {
  std::string store = NewStore("store");
  std::string context = Context("FROM busybox:latest\nRUN echo a > /a\n");
  ASSERT_FALSE(Build(store, "-t good '" + context + "'").empty());

  Outcome no_layout = Verify(store, "--against oci-layout:///nonexistent '" + context + "'");
  EXPECT_EQ(no_layout.exit_code, 2);
  EXPECT_THAT(no_layout.err, HasSubstr("/nonexistent"));

  Context("FROM busybox:latest\nRUN exit 3\n");
  Outcome failing = Verify(store, "--against good '" + context + "'");
  EXPECT_EQ(failing.exit_code, 2);
  EXPECT_THAT(failing.err, AllOf(HasSubstr("Buildfile:2"), HasSubstr("exit code 3")));
  Outcome bad_recipe = Verify(store, "-f /nonexistent/Buildfile --against good '" + context + "'");
  EXPECT_EQ(bad_recipe.exit_code, 2);
  EXPECT_THAT(bad_recipe.err, HasSubstr("/nonexistent/Buildfile"));
  EXPECT_GE(Verify(store, "'" + context + "'").exit_code, 100) << "--against is required";
  ExpectNothingLeft(store);
}

TEST_F(VerifyTest, AnImageBuiltWithoutAnEpochIsSaidToBeUnreproducible) {
  std::string store = NewStore("store");
  std::string context = Context("FROM busybox:latest\nRUN echo a > /a\n");
  ASSERT_FALSE(Build(store, "-t unstamped '" + context + "'").empty());
  Outcome verified = Verify(store, "--against unstamped '" + context + "'");
  EXPECT_EQ(verified.exit_code, 1) << verified.out << verified.err;
  EXPECT_THAT(verified.err, HasSubstr("unstamped was built without SOURCE_DATE_EPOCH"));
  EXPECT_THAT(verified.out, HasSubstr("created: "));
}

TEST_F(VerifyTest, ARecipeOnStandardInputServesBothTheBaseLookupAndTheBuild) {
  std::string store = NewStore("store");
  std::string context = Context("FROM busybox:latest\nRUN echo piped > /piped\n");
  std::string digest = Build(store, "--source-date-epoch 1700000000 -t piped '" + context + "'");
  fs::rename(context + "/Buildfile", dir_.path() + "/recipe");
  Outcome verified =
      Verify(store, "-f - --against piped '" + context + "' <'" + dir_.path() + "/recipe'");
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_EQ(verified.out, digest + "\n");
  ExpectNothingLeft(store);
}

TEST_F(VerifyTest, AnImageOnlyARegistryHasIsPulledToCompare) {
  registry::testing::TestRegistry registry;
  std::string store = NewStore("store");
  std::string context = Context("FROM busybox:latest\nRUN echo pushed > /pushed\n");
  std::string digest = Build(store, "--source-date-epoch 1700000000 -t app '" + context + "'");
  std::string remote = registry.host() + "/team/app:1";
  CommandResult pushed = RunCommand(kImgbuild + " push -q --root '" + store + "' app " + remote);
  ASSERT_EQ(pushed.exit_code, 0) << pushed.output;

  Outcome verified = Verify(store, "-q --against " + remote + " '" + context + "'");
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_EQ(verified.out, digest + "\n");

  std::string missing = registry.host() + "/team/app:2";
  Outcome not_there = Verify(store, "-q --against " + missing + " '" + context + "'");
  EXPECT_EQ(not_there.exit_code, 2);
  EXPECT_THAT(not_there.err, AllOf(HasSubstr(missing), HasSubstr("neither in the store")));
  ExpectNothingLeft(store);
}

}  // namespace
}  // namespace imgbuild::builder
