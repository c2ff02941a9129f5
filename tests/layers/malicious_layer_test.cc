// Applies every archive of testdata/layers/malicious/ (see make_corpus.py
// there) into target/ with a sentinel/ directory beside it: each must fail
// with an error naming the entry, and nothing outside target/ may change.
#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "tree_snapshot.h"
#include "layers/tar_apply.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {

// Found by gtest through argument-dependent lookup, so not in the anonymous namespace.
void PrintTo(WhiteoutMode mode, std::ostream* os) {
  *os << (mode == WhiteoutMode::kOverlay ? "overlay whiteouts" : "deleting whiteouts");
}

namespace {

const std::string kCorpus = IMGBUILD_SOURCE_DIR "/testdata/layers/malicious";

struct MaliciousCase {
  std::string file;
  std::string entry;   // the entry the error must name
  std::string reason;  // and what it must say about it
};

const std::vector<MaliciousCase> kCases = {
    {"dotdot.tar", "../escaped.txt", "has a \"..\" component"},
    {"absolute.tar", "/imgbuild-malicious-absolute.txt", "is absolute"},
    {"symlink_write.tar", "link/pwned.txt",
     "\"link\" is a symlink whose target does not exist inside the target directory"},
    {"hardlink_escape.tar", "stolen",
     "hardlink target \"../sentinel/secret.txt\" has a \"..\" component"},
    {"hardlink_via_symlink.tar", "stolen", "hardlink target \"evil/secret.txt\" does not exist"},
    {"hardlink_missing.tar", "ghost", "hardlink target \"nothere.txt\" does not exist"},
    {"absurd_size.tar", "huge.bin", "declares a size of 4611686018427387904 bytes"},
    {"truncated.tar.gz", "big.bin", "truncated gzip input"},
    {"corrupt.tar.gz", "second.txt", "gzip decompression failed"},
    {"whiteout_dotdot.tar", "dir/.wh...", "names \"..\""},
};

class MaliciousLayerTest : public testing::RootTest,
                           public ::testing::WithParamInterface<WhiteoutMode> {
 protected:
  void SetUp() override {
    testing::RootTest::SetUp();
    testing::MakeDir(sentinel_);
    testing::WriteFile(sentinel_ + "/secret.txt", "secret\n", 0600);
  }

  // Applies a corpus file into a fresh target; returns the error, "" if none.
  std::string Apply(const std::string& file) {
    RemoveAll(target_);
    testing::MakeDir(target_);
    ApplyOptions options;
    options.whiteouts = GetParam();
    try {
      ApplyLayerFile(kCorpus + "/" + file, target_, options);
    } catch (const Error& error) {
      return error.what();
    }
    return "";
  }

  void ExpectNothingOutsideTarget(const std::string& file) {
    std::map<std::string, testing::Node> outside = testing::Snapshot(temp_.path());
    for (const auto& [path, node] : outside) {
      EXPECT_TRUE(path == "sentinel" || path == "sentinel/secret.txt" || path == "target" ||
                  path.starts_with("target/"))
          << file << " wrote " << path;
    }
    EXPECT_EQ(testing::ReadFile(sentinel_ + "/secret.txt"), "secret\n") << file;
    struct stat st {};
    ASSERT_EQ(stat((sentinel_ + "/secret.txt").c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 1u) << file << " hardlinked the sentinel";
    EXPECT_NE(access("/imgbuild-malicious-absolute.txt", F_OK), 0) << file;
  }

  TempDir temp_{"malicious-"};
  std::string target_ = temp_.path() + "/target";
  std::string sentinel_ = temp_.path() + "/sentinel";
};

TEST_P(MaliciousLayerTest, EachArchiveFailsNamingItsEntryAndWritesNothingOutside) {
  for (const MaliciousCase& c : kCases) {
    std::string error = Apply(c.file);
    EXPECT_NE(error.find("entry \"" + c.entry + "\""), std::string::npos)
        << c.file << ": " << (error.empty() ? "no error" : error);
    EXPECT_NE(error.find(c.reason), std::string::npos) << c.file << ": " << error;
    ExpectNothingOutsideTarget(c.file);
  }
}

TEST_P(MaliciousLayerTest, OverwritingASymlinkReplacesItInsteadOfWritingThrough) {
  EXPECT_EQ(Apply("symlink_overwrite.tar"), "");
  struct stat st {};
  ASSERT_EQ(lstat((target_ + "/victim").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(testing::ReadFile(target_ + "/victim"), "replaced\n");
  ExpectNothingOutsideTarget("symlink_overwrite.tar");
}

INSTANTIATE_TEST_SUITE_P(BothWhiteoutModes, MaliciousLayerTest,
                         ::testing::Values(WhiteoutMode::kOverlay, WhiteoutMode::kDelete),
                         [](const auto& info) {
                           return info.param == WhiteoutMode::kOverlay ? "Overlay" : "Delete";
                         });

TEST(MaliciousCorpusTest, CommittedArchivesMatchTheirGenerator) {
  TempDir fresh("corpus-");
  std::string output;
  ASSERT_EQ(testing::Run("python3 " + kCorpus + "/make_corpus.py " + fresh.path(), &output), 0)
      << output;
  for (const MaliciousCase& c : kCases) {
    // gzip bytes depend on the zlib build, so only plain tars are compared.
    if (c.file.ends_with(".gz")) continue;
    EXPECT_EQ(DigestOfFile(fresh.path() + "/" + c.file), DigestOfFile(kCorpus + "/" + c.file))
        << c.file << " is stale: rerun make_corpus.py and commit the result";
  }
}

}  // namespace
}  // namespace imgbuild::layers
