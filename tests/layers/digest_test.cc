#include "layers/digest.h"

#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

constexpr const char* kEmptySha256 =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(DigestTest, HashesKnownVectors) {
  EXPECT_EQ(DigestOf("").ToString(), kEmptySha256);
  EXPECT_EQ(DigestOf("abc").ToString(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Hasher sha512(DigestAlgorithm::kSha512);
  sha512.Update("abc");
  EXPECT_EQ(sha512.Finish().hex().substr(0, 16), "ddaf35a193617aba");
}

TEST(DigestTest, StreamingEqualsOneShot) {
  Hasher hasher;
  hasher.Update("a");
  hasher.Update("bc");
  EXPECT_EQ(hasher.size(), 3u);
  EXPECT_EQ(hasher.Finish(), DigestOf("abc"));
}

TEST(DigestTest, ParsesAndRoundTrips) {
  Digest digest = Digest::Parse(kEmptySha256);
  EXPECT_EQ(digest.algorithm(), DigestAlgorithm::kSha256);
  EXPECT_EQ(digest.ToString(), kEmptySha256);
  EXPECT_TRUE(Digest::IsValid(std::string("sha512:") + std::string(128, 'a')));
}

TEST(DigestTest, RejectsMalformedDigestsWithReason) {
  struct Case {
    std::string text;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"e3b0c442", "missing \"algorithm:\" prefix"},
           {"md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported algorithm \"md5\""},
           {"sha256:abc", "3 hex digits where sha256 needs 64"},
           {"sha256:" + std::string(64, 'A'), "'A' is not a lower-case hex digit"},
       }) {
    EXPECT_FALSE(Digest::IsValid(c.text)) << c.text;
    try {
      Digest::Parse(c.text);
      ADD_FAILURE() << "accepted " << c.text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.reason), std::string::npos) << e.what();
    }
  }
}

TEST(DigestTest, HashesFiles) {
  TempDir dir;
  std::string path = dir.path() + "/f";
  std::ofstream(path) << "abc";
  EXPECT_EQ(DigestOfFile(path), DigestOf("abc"));
  EXPECT_THROW(DigestOfFile(dir.path() + "/missing"), Error);
}

}  // namespace
}  // namespace imgbuild::layers
