#include "builder/build_cache.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "parser/ast.h"
#include "parser/graph.h"
#include "tests/builder/sandbox_fixtures.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

const parser::Instruction& FirstStep(const parser::Graph& graph) {
  return graph.stages[0].steps[0].instruction;
}

parser::Graph GraphOf(const std::string& recipe) {
  return parser::BuildGraph(parser::ParseAst(recipe, "Buildfile"), {});
}

TEST(BuildCacheTest, KeysDependOnWhatTheStepDoesNotWhereItIs) {
  layers::Digest parent = BaseCacheKey("scratch", "linux/amd64");
  parser::Graph a = GraphOf("FROM scratch\nRUN make\n");
  parser::Graph moved = GraphOf("# comment\n\nFROM scratch\n\nRUN make\n");
  parser::Graph other = GraphOf("FROM scratch\nRUN make install\n");
  StepKeyInput input{.instruction = &FirstStep(a), .platform = "linux/amd64"};
  layers::Digest key = StepCacheKey(parent, input);
  EXPECT_EQ(key,
            StepCacheKey(parent, {.instruction = &FirstStep(moved), .platform = "linux/amd64"}));
  EXPECT_NE(key,
            StepCacheKey(parent, {.instruction = &FirstStep(other), .platform = "linux/amd64"}));
  EXPECT_NE(key, StepCacheKey(BaseCacheKey("scratch", "linux/arm64"), input));
  StepKeyInput with_arg = input;
  with_arg.build_args = {{"A", "1"}};
  EXPECT_NE(key, StepCacheKey(parent, with_arg));
  StepKeyInput with_content = input;
  with_content.content = layers::DigestOf("files");
  EXPECT_NE(key, StepCacheKey(parent, with_content));
  StepKeyInput with_environment = input;
  with_environment.environment = "compression=1";
  EXPECT_NE(key, StepCacheKey(parent, with_environment));
  EXPECT_NE(BaseCacheKey("scratch", "linux/amd64"), BaseCacheKey("sha256:ab", "linux/amd64"));
}

class BuildCacheStoreTest : public ::testing::Test {
 protected:
  TempDir dir_{"imgbuild-cache-test-"};
  layers::Store store_{dir_.path() + "/store"};
  BuildCache cache_{store_};
  layers::Digest key_ = layers::DigestOf("some step");
};

TEST_F(BuildCacheStoreTest, RecordsRoundTripWhileTheBlobExists) {
  EXPECT_FALSE(cache_.Lookup(key_));
  layers::Digest blob = store_.PutBlob("layer bytes");
  CacheRecord record{.layer = {.media_type = std::string(layers::media_types::kOciLayerGzip),
                               .digest = blob,
                               .size = 11},
                     .diff_id = layers::DigestOf("tar"),
                     .created_by = "RUN make # buildkit"};
  cache_.Put(key_, record);
  EXPECT_TRUE(std::filesystem::exists(cache_.RecordPath(key_)));
  EXPECT_EQ(cache_.RecordPath(key_), store_.MetadataDir() + "/cache/" + key_.hex() + ".json");
  std::optional<CacheRecord> found = cache_.Lookup(key_);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->layer, record.layer);
  EXPECT_EQ(found->diff_id, record.diff_id);
  EXPECT_EQ(found->created_by, record.created_by);
  std::filesystem::remove(store_.BlobPath(blob));
  EXPECT_FALSE(cache_.Lookup(key_)) << "a record whose layer is gone must be a miss";
}

TEST_F(BuildCacheStoreTest, DamagedOrForeignRecordsAreMisses) {
  std::filesystem::create_directories(store_.MetadataDir() + "/cache");
  test_support::WriteTextFile(cache_.RecordPath(key_), "{not json");
  EXPECT_FALSE(cache_.Lookup(key_));
  // What a machine crash may leave of a record written without fsync.
  test_support::WriteTextFile(cache_.RecordPath(key_), "");
  EXPECT_FALSE(cache_.Lookup(key_));
  layers::Digest blob = store_.PutBlob("x");
  cache_.Put(layers::DigestOf("another key"),
             {.layer = {.media_type = "m", .digest = blob, .size = 1}, .diff_id = blob});
  // A record copied under the wrong name does not answer for this key.
  std::filesystem::copy_file(cache_.RecordPath(layers::DigestOf("another key")),
                             cache_.RecordPath(key_),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_FALSE(cache_.Lookup(key_));
}

}  // namespace
}  // namespace imgbuild::builder
