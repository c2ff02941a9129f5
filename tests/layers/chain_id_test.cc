#include "layers/chain_id.h"

#include <gtest/gtest.h>

#include "layer_test_util.h"

namespace imgbuild::layers {
namespace {

Digest Sha(const std::string& hex) { return Digest::Parse("sha256:" + hex); }

// sha256 of "a", "b" and "c".
const Digest kA = Sha("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
const Digest kB = Sha("3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d");
const Digest kC = Sha("2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6");

// The chain ID of `parent` + `diff_id` as sha256sum computes it.
std::string ShellChainId(const Digest& parent, const Digest& diff_id) {
  std::string output;
  int status = testing::Run("printf '%s' '" + parent.ToString() + " " + diff_id.ToString() +
                                "' | sha256sum",
                            &output);
  EXPECT_EQ(status, 0) << output;
  return "sha256:" + output.substr(0, 64);
}

TEST(ChainIdTest, BaseLayerChainIdIsItsDiffId) {
  EXPECT_EQ(ChainId(std::nullopt, kA), kA);
  EXPECT_EQ(ChainIds({kA}), std::vector<Digest>{kA});
}

TEST(ChainIdTest, KnownVectors) {
  // printf 'sha256:<a> sha256:<b>' | sha256sum, and so on up the stack.
  Digest ab = Sha("51c0c8ace48498d6f5fee6b0592cc06f2da0f3cbe09c5a34a97dce85c3889676");
  Digest abc = Sha("2fce7f8ce91bcf0a1428b36e1024639fdbd9469eea762dba98aa749631885106");
  EXPECT_EQ(ChainId(kA, kB), ab);
  EXPECT_EQ(ChainId(ab, kC), abc);
  EXPECT_EQ(ChainIds({kA, kB, kC}), (std::vector<Digest>{kA, ab, abc}));
}

TEST(ChainIdTest, MatchesSha256sumOfParentSpaceDiffId) {
  std::vector<Digest> diff_ids = {kC, kB, kA, kB};
  std::vector<Digest> chain = ChainIds(diff_ids);
  ASSERT_EQ(chain.size(), diff_ids.size());
  EXPECT_EQ(chain[0], kC);
  for (size_t i = 1; i < chain.size(); ++i) {
    EXPECT_EQ(chain[i].ToString(), ShellChainId(chain[i - 1], diff_ids[i])) << i;
  }
  EXPECT_NE(chain[1], chain[3]) << "the same diff ID on another parent is another chain";
}

TEST(ChainIdTest, EmptyStackHasNoChainIds) { EXPECT_TRUE(ChainIds({}).empty()); }

}  // namespace
}  // namespace imgbuild::layers
