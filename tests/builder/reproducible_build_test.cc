// Reproducibility as users meet it: the imgbuild binary builds one recipe
// (RUN, COPY, ADD, a heredoc, two stages built side by side) under
// circumstances that differ in everything but the recipe and the context's
// content, and the images must have the same manifest digest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/builder/cli_build_fixtures.h"
#include "tests/builder/sandbox_fixtures.h"
#include "tests/layers/store_testing.h"
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

void WriteTextFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  test_support::WriteTextFile(path, text);
}

constexpr const char* kEpoch = "1700000000";

constexpr const char* kRecipe = R"RECIPE(FROM busybox:latest AS left
RUN mkdir -p /out && echo left > /out/left && touch /out/made-by-run
FROM busybox:latest AS right
WORKDIR /work
RUN echo right > right.txt && mkdir sub && echo x > sub/x
FROM busybox:latest
COPY --from=left /out/ /left/
COPY --from=right /work/ /right/
COPY files/ /files/
ADD bundle.tar /bundle/
COPY <<EOF /etc/motd
built reproducibly
EOF
RUN ls -R /files /bundle > /listing && echo "$(hostname)" | wc -c > /hostname-length
)RECIPE";

// A tmpfs mounted for the test's life: its readdir order is the reverse of
// creation order, unlike ext4's hash order.
class Tmpfs {
 public:
  explicit Tmpfs(const std::string& path) : path_(path) {
    fs::create_directories(path_);
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, "size=16m") == 0;
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string path_;
  bool mounted_ = false;
};

// Everything about a build that must not matter.
struct Circumstances {
  std::string store;
  std::string cwd;
  std::string context;  // as passed, relative to cwd or absolute
  std::string umask;
  unsigned jobs = 1;
  std::string environment;  // VAR=VALUE ... for imgbuild
  std::string hostname;
  std::string flags{};  // more build flags
};

class ReproducibleBuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IMGBUILD_ASSERT_ROOT();
    ASSERT_TRUE(fs::exists(kImgbuild)) << kImgbuild << " is not built";
    ASSERT_TRUE(fs::exists(kBusyboxLayout)) << kBusyboxLayout << " is missing: build `fixtures`";
    ASSERT_EQ(RunCommand("command -v unshare && command -v tar").exit_code, 0)
        << "install util-linux and tar (scripts/setup.sh)";
  }

  // A store with the busybox fixture as busybox:latest.
  std::string NewStore(const std::string& name) {
    return test_support::LoadBusyboxStore(dir_.path() + "/" + name);
  }

  // The same context content in `path`, its files created in `reverse`
  // order or not, and so with other mtimes, inode numbers and (on tmpfs)
  // readdir order.
  void WriteContext(const std::string& path, bool reverse) {
    std::vector<std::string> names;
    for (int i = 0; i < 24; ++i) names.push_back(fmt::format("f{:02}", i));
    if (reverse) std::reverse(names.begin(), names.end());
    for (const std::string& name : names) {
      WriteTextFile(path + "/files/many/" + name, "content of " + name + "\n");
    }
    WriteTextFile(path + "/files/run.sh", "#!/bin/sh\necho run\n");
    fs::permissions(path + "/files/run.sh", fs::perms(0755));
    WriteTextFile(path + "/files/private", "secret\n");
    fs::permissions(path + "/files/private", fs::perms(0600));
    WriteTextFile(path + "/Buildfile", kRecipe);
    fs::copy_file(Bundle(), path + "/bundle.tar");
  }

  // One tar for both contexts: ADD extracts it, so its own bytes matter.
  std::string Bundle() {
    std::string tar = dir_.path() + "/bundle.tar";
    if (!fs::exists(tar)) {
      WriteTextFile(dir_.path() + "/bundle/inner.txt", "inside the archive\n");
      CommandResult made = RunCommand("tar --sort=name --mtime=@1600000000 --owner=0 --group=0 "
                                      "-C '" + dir_.path() + "/bundle' -cf '" + tar + "' .");
      EXPECT_EQ(made.exit_code, 0) << made.output;
    }
    return tar;
  }

  // Builds under `c`; returns the manifest digest ("" on failure).
  std::string Build(const Circumstances& c) {
    std::string iid = dir_.path() + "/iid";
    fs::remove(iid);
    std::string inner = fmt::format(
        "hostname {} && cd '{}' && umask {} && exec env {} {} build --progress plain --root '{}' "
        "--jobs {} --iidfile '{}' {} '{}'",
        c.hostname, c.cwd, c.umask, c.environment, kImgbuild, c.store, c.jobs, iid, c.flags,
        c.context);
    CommandResult built = RunCommand("unshare --uts sh -c \"" + inner + "\"");
    EXPECT_EQ(built.exit_code, 0) << built.output;
    last_output_ = built.output;
    return fs::exists(iid) ? ReadTextFile(iid) : "";
  }

  TempDir dir_{"imgbuild-repro-test-", "/var/tmp"};
  std::string last_output_;
};

TEST_F(ReproducibleBuildTest, SameDigestWhateverTheCircumstancesAndTheCache) {
  std::string context_a = dir_.path() + "/context-a";
  WriteContext(context_a, false);
  Tmpfs tmpfs(dir_.path() + "/tmpfs");
  ASSERT_TRUE(tmpfs.mounted()) << "cannot mount a tmpfs for the second context";
  fs::create_directories(dir_.path() + "/tmpfs/elsewhere");
  WriteContext(dir_.path() + "/tmpfs/context-b", true);

  Circumstances a{.store = NewStore("store-a"),
                  .cwd = "/",
                  .context = context_a,
                  .umask = "022",
                  .jobs = 1,
                  .environment = std::string("SOURCE_DATE_EPOCH=") + kEpoch +
                                 " TZ=UTC LC_ALL=C LANG=C",
                  .hostname = "host-a"};
  std::string first = Build(a);
  ASSERT_THAT(first, ::testing::StartsWith("sha256:"));

  WaitForTheNextSecond();
  Circumstances b{.store = NewStore("store-b-with-a-longer-name"),
                  .cwd = dir_.path() + "/tmpfs/elsewhere",
                  .context = "../context-b",
                  .umask = "077",
                  .jobs = 4,
                  .environment = "TZ=Asia/Tokyo LC_ALL=C.UTF-8 LANG=C.UTF-8 HOME=/nonexistent",
                  .hostname = "a-much-longer-host-name-b",
                  .flags = std::string("--source-date-epoch ") + kEpoch};
  EXPECT_EQ(Build(b), first) << "store root, working directory, context path and readdir "
                                "order, umask, time, --jobs, locale, time zone or hostname "
                                "changed the image";

  EXPECT_EQ(Build(b), first) << "a cached build differs";
  EXPECT_THAT(last_output_, ::testing::HasSubstr("CACHED")) << "the second build was not cached";
  b.flags += " --no-cache";
  EXPECT_EQ(Build(b), first) << "a --no-cache build differs from a cached one";
  EXPECT_THAT(last_output_, ::testing::Not(::testing::HasSubstr("CACHED")));
}

// A heredoc file is written during the build; with an epoch later than
// that (clamping leaves earlier times alone) it still gets the epoch.
TEST_F(ReproducibleBuildTest, HeredocFilesGetAnEpochLaterThanTheBuild) {
  std::string context = dir_.path() + "/context";
  WriteTextFile(context + "/Buildfile", "FROM busybox:latest\nCOPY <<EOF /motd\nhello\nEOF\n");
  Circumstances c{.store = NewStore("store"), .cwd = "/", .context = context, .umask = "022",
                  .jobs = 1, .environment = "SOURCE_DATE_EPOCH=4000000000", .hostname = "host",
                  .flags = "--no-cache"};
  std::string first = Build(c);
  ASSERT_FALSE(first.empty());
  WaitForTheNextSecond();
  EXPECT_EQ(Build(c), first) << "the heredoc file kept the time it was written";
}

// Without SOURCE_DATE_EPOCH only times may differ: `created`, file mtimes,
// and the digests that depend on them.
TEST_F(ReproducibleBuildTest, WithoutAnEpochOnlyTimesDiffer) {
  std::string context = dir_.path() + "/context";
  WriteContext(context, false);
  std::string store = NewStore("store");
  Circumstances c{.store = store, .cwd = "/", .context = context, .umask = "022",
                  .jobs = 2, .environment = "-u SOURCE_DATE_EPOCH", .hostname = "host",
                  .flags = "--no-cache -t one"};
  ASSERT_FALSE(Build(c).empty());
  WaitForTheNextSecond();
  c.flags = "--no-cache -t two";
  ASSERT_FALSE(Build(c).empty());

  CommandResult diff = RunCommand(kImgbuild + " diff --format json --max-items 1000 --root '" +
                                  store + "' one two 2>/dev/null");
  ASSERT_EQ(diff.exit_code, 1) << diff.output;
  nlohmann::json report = nlohmann::json::parse(diff.output);
  std::set<std::string> fields;
  for (const auto& change : report["documents"]["changes"]) {
    std::string field = change["field"];
    // history[3].created -> history[].created
    for (size_t open; (open = field.find('[')) != std::string::npos;) {
      field.erase(open + 1, field.find(']', open) - open - 1);
      field.replace(open, 2, "#");
    }
    fields.insert(field);
  }
  for (const auto& layer : report["layers"]) {
    for (const auto& change : layer["changes"]) {
      EXPECT_EQ(change["change"], "changed") << change.dump();
      for (const auto& field : change["fields"]) fields.insert("file " + field["field"].get<std::string>());
    }
  }
  EXPECT_THAT(fields, ::testing::IsSubsetOf({"created", "history#.created", "rootfs.diff_ids#",
                                             "config.digest", "config.size", "layers#.digest",
                                             "layers#.size", "file mtime"}));
  EXPECT_TRUE(fields.contains("file mtime")) << diff.output;
  EXPECT_TRUE(fields.contains("created")) << diff.output;
}

}  // namespace
}  // namespace imgbuild::builder
