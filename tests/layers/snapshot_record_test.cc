#include "layers/snapshot_record.h"

#include <gtest/gtest.h>

#include "layers/chain_id.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

const Digest kBase = DigestOf("base layer");
const Digest kTop = DigestOf("top layer");

std::string ErrorOf(std::string_view json) {
  try {
    ParseSnapshotRecord(json, "snapshot.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SnapshotRecordTest, RoundTripsWithAndWithoutParent) {
  SnapshotRecord base{kBase, std::nullopt, kBase, 1024, "layer sha256:ab"};
  std::string json = SerializeSnapshotRecord(base);
  EXPECT_EQ(json, "{\"chain_id\":\"" + kBase.ToString() + "\",\"diff_id\":\"" + kBase.ToString() +
                      "\",\"size\":1024,\"created_from\":\"layer sha256:ab\"}");
  EXPECT_EQ(ParseSnapshotRecord(json, "base"), base);

  SnapshotRecord top{ChainId(kBase, kTop), kBase, kTop, 7, "RUN make"};
  EXPECT_EQ(ParseSnapshotRecord(SerializeSnapshotRecord(top), "top"), top);
}

TEST(SnapshotRecordTest, RoundTripsTheBootOfAnUnsyncedTree) {
  SnapshotRecord top{ChainId(kBase, kTop), kBase, kTop, 7, "RUN make", "boot-a"};
  std::string json = SerializeSnapshotRecord(top);
  EXPECT_NE(json.find(",\"unsynced_boot\":\"boot-a\"}"), std::string::npos) << json;
  EXPECT_EQ(ParseSnapshotRecord(json, "top"), top);
  top.unsynced_boot.reset();
  EXPECT_EQ(SerializeSnapshotRecord(top).find("unsynced_boot"), std::string::npos);
}

TEST(SnapshotRecordTest, RejectsAChainIdThatDoesNotFollowFromItsLayers) {
  SnapshotRecord lying{ChainId(kBase, kTop), kTop, kBase, 7, "RUN make"};
  std::string error = ErrorOf(SerializeSnapshotRecord(lying));
  EXPECT_NE(error.find("field \"chain_id\""), std::string::npos) << error;
  EXPECT_NE(error.find("parent and diff_id give"), std::string::npos) << error;
}

TEST(SnapshotRecordTest, RejectsMalformedRecords) {
  EXPECT_NE(ErrorOf("{").find("snapshot.json: invalid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf("{\"diff_id\":\"" + kBase.ToString() + "\",\"size\":1}").find("chain_id"),
            std::string::npos);
  std::string bad_digest = "{\"chain_id\":\"sha256:zz\",\"diff_id\":\"" + kBase.ToString() +
                           "\",\"size\":1}";
  EXPECT_NE(ErrorOf(bad_digest).find("not a digest"), std::string::npos) << ErrorOf(bad_digest);
  std::string negative = "{\"chain_id\":\"" + kBase.ToString() + "\",\"diff_id\":\"" +
                         kBase.ToString() + "\",\"size\":-1}";
  EXPECT_NE(ErrorOf(negative).find("size"), std::string::npos) << ErrorOf(negative);
}

}  // namespace
}  // namespace imgbuild::layers
