// Chunked uploads through the fault proxy: a PATCH reset mid-body or
// refused with 503 is retried from what the registry confirms it has (or
// from a new session when that is unknowable), so the blob arrives whole,
// each chunk stored once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/registry/fault_proxy.h"
#include "tests/registry/registry_testing.h"

namespace imgbuild::registry::testing {
namespace {

class ChunkedUploadFaultTest : public RegistryTest {};

TEST_F(ChunkedUploadFaultTest, BrokenPatchesResumeAtTheConfirmedOffset) {
  constexpr int64_t kChunk = 64 << 10;
  TinyImage image = BuildTinyImage(source_, work_.path(), "chunks", 300000);
  int64_t size = image.layers[0].size;
  ASSERT_GT(size, 3 * kChunk);
  options_.upload_chunk_size = kChunk;
  // The first PATCH is refused before the registry has a byte (its session
  // then says "0-0", which also means one byte: the upload starts over);
  // the third is reset mid-body and the fourth refused after a chunk
  // arrived: the upload goes on from the offset the session confirms.
  FaultProxy proxy(registry_.host(), {"PATCH /blobs/uploads/ 1 503",
                                      "PATCH /blobs/uploads/ 3 reset",
                                      "PATCH /blobs/uploads/ 4 503"});
  std::string reference = proxy.address() + "/test/chunks:v1";
  layers::Descriptor pushed = Push(source_, image.manifest, reference, options_);
  EXPECT_EQ(pushed.digest, image.manifest.digest);
  EXPECT_EQ(proxy.FaultCount("reset"), 1u) << proxy.LogText();
  EXPECT_EQ(proxy.FaultCount("503"), 2u) << proxy.LogText();

  std::vector<LoggedRequest> served = registry_.Requests();
  EXPECT_EQ(Count(served, "PATCH", "/v2/test/chunks/blobs/uploads/"),
            static_cast<size_t>((size + kChunk - 1) / kChunk))
      << "a chunk was sent twice or skipped:\n" << registry_.Log();
  EXPECT_EQ(Count(served, "POST", "/v2/test/chunks/blobs/uploads/"), 3u)
      << "config, layer, and the layer again after the empty session:\n" << proxy.LogText();
  EXPECT_GE(Count(served, "GET", "/v2/test/chunks/blobs/uploads/"), 2u)
      << "each retry asks the session's offset:\n" << proxy.LogText();

  PullResult pulled = Pull(store_, Ref("test/chunks:v1"), "", options_);
  EXPECT_EQ(pulled.manifest.digest, image.manifest.digest);
  EXPECT_EQ(layers::DigestOfFile(store_.BlobPath(image.layers[0].digest)),
            image.layers[0].digest);
}

}  // namespace
}  // namespace imgbuild::registry::testing
