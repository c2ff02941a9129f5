// Staged blobs: verified when added, readable before publication, published
// only on request, gone (with their temporary files) otherwise.
#include "layers/blob_staging.h"

#include <gtest/gtest.h>

#include "layers/store.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

class BlobStagingTest : public ::testing::Test {
 protected:
  Digest Stage(BlobStaging& staging, const std::string& bytes,
               const std::optional<Digest>& expected = std::nullopt) {
    BlobWriter writer = staging.NewWriter();
    writer.Write(bytes.data(), bytes.size());
    return staging.Add(std::move(writer), expected, static_cast<int64_t>(bytes.size()), "input");
  }

  TempDir dir_;
  Store store_{dir_.path()};
};

TEST_F(BlobStagingTest, StagedBlobsAreReadableButNotInTheStore) {
  BlobStaging staging(store_);
  Digest digest = Stage(staging, "staged bytes", DigestOf("staged bytes"));
  EXPECT_TRUE(staging.Has(digest));
  EXPECT_EQ(staging.Size(digest), 12);
  EXPECT_EQ(staging.Read(digest, 100), "staged bytes");
  EXPECT_FALSE(store_.HasBlob(digest));
  EXPECT_EQ(store_.ListTempFiles().size(), 1u);
  try {
    staging.Read(digest, 5);
    ADD_FAILURE() << "read past the limit";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("more than the 5 bytes"), std::string::npos);
  }
}

TEST_F(BlobStagingTest, MismatchKeepsNothingAndNamesTheInput) {
  BlobStaging staging(store_);
  try {
    Stage(staging, "actual", DigestOf("expected"));
    ADD_FAILURE() << "a mismatching blob was staged";
  } catch (const Error& error) {
    std::string text = error.what();
    EXPECT_TRUE(text.starts_with("input: blob verification failed: expected " +
                                 DigestOf("expected").ToString()))
        << text;
  }
  EXPECT_FALSE(staging.Has(DigestOf("actual")));
  EXPECT_TRUE(store_.ListTempFiles().empty());
}

TEST_F(BlobStagingTest, PublishesOnlyWhatIsAskedAndDropsTheRest) {
  Digest kept = DigestOf("kept"), dropped = DigestOf("dropped");
  {
    BlobStaging staging(store_);
    Stage(staging, "kept");
    Stage(staging, "dropped");
    Stage(staging, "kept");  // a second copy is dropped at once
    EXPECT_EQ(store_.ListTempFiles().size(), 2u);
    staging.Publish({kept, DigestOf("not staged")});
    EXPECT_FALSE(staging.Has(kept));
    EXPECT_TRUE(staging.Has(dropped));
  }
  EXPECT_EQ(store_.ReadBlob(kept), "kept");
  EXPECT_FALSE(store_.HasBlob(dropped));
  EXPECT_TRUE(store_.ListTempFiles().empty());
}

TEST_F(BlobStagingTest, SealedWritersCommitOnlyWithoutNewExpectations) {
  BlobWriter writer = store_.NewBlob();
  writer.Write("abc", 3);
  Digest digest = writer.Seal(DigestOf("abc"), 3);
  UniqueFd fd = writer.OpenSealed();
  char buffer[8] = {};
  EXPECT_EQ(ReadSome(fd.get(), buffer, sizeof buffer, "sealed"), 3u);
  EXPECT_THROW(writer.Write("d", 1), Error);
  EXPECT_THROW(writer.Seal(), Error);
  EXPECT_THROW(writer.Commit(DigestOf("abc")), Error);
  EXPECT_EQ(writer.Commit(), digest);
  EXPECT_EQ(store_.ReadBlob(digest), "abc");
}

}  // namespace
}  // namespace imgbuild::layers
