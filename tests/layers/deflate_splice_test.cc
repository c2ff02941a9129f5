#include "layers/deflate_splice.h"

#include <libdeflate.h>
#include <zlib.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/layers/compression_testing.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes LibdeflateCompress(std::string_view input, int level) {
  libdeflate_compressor* compressor = libdeflate_alloc_compressor(level);
  Bytes out(libdeflate_deflate_compress_bound(compressor, input.size()));
  out.resize(libdeflate_deflate_compress(compressor, input.data(), input.size(), out.data(), out.size()));
  libdeflate_free_compressor(compressor);
  return out;
}

Bytes ZlibCompress(std::string_view input, int level, int strategy) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, level, Z_DEFLATED, -15, 8, strategy), Z_OK);
  Bytes out(deflateBound(&stream, input.size()));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string Inflate(const Bytes& stream, size_t expected_size) {
  return testkit::InflateExactly({reinterpret_cast<const char*>(stream.data()), stream.size()}, -15,
                                 expected_size);
}

std::vector<std::string> Inputs() {
  return {"", "a", "hello hello hello hello", testkit::MixedBytes(100000, 7),
          testkit::MixedBytes(600000, 8)};
}

void ExpectSplices(const Bytes& first, const std::string& first_input, const std::string& what) {
  SCOPED_TRACE(what);
  DeflateFinalBlock found = LocateFinalBlock(first);
  EXPECT_EQ(found.uncompressed_size, first_input.size());
  EXPECT_EQ((found.end_bit + 7) / 8, first.size());
  EXPECT_LT(found.header_bit, found.end_bit);
  EXPECT_TRUE(first[found.header_bit / 8] >> (found.header_bit % 8) & 1) << "BFINAL not set";

  Bytes joined = first;
  MakeDeflateStreamContinuable(joined);
  const std::string second_input = "and the next block follows";
  Bytes second = LibdeflateCompress(second_input, 6);
  joined.insert(joined.end(), second.begin(), second.end());
  EXPECT_EQ(Inflate(joined, first_input.size() + second_input.size()), first_input + second_input);
}

TEST(DeflateSpliceTest, SplicesEveryLibdeflateLevel) {
  for (const std::string& input : Inputs()) {
    for (int level = 0; level <= 12; ++level) {
      ExpectSplices(LibdeflateCompress(input, level), input,
                    "libdeflate level " + std::to_string(level) + ", " + std::to_string(input.size()) + " bytes");
    }
  }
}

TEST(DeflateSpliceTest, SplicesZlibStoredFixedAndDynamicBlocks) {
  struct Strategy {
    int level;
    int strategy;
    const char* name;
  };
  for (const std::string& input : Inputs()) {
    for (Strategy s : {Strategy{0, Z_DEFAULT_STRATEGY, "stored"}, Strategy{6, Z_FIXED, "fixed"},
                       Strategy{1, Z_HUFFMAN_ONLY, "huffman-only"}, Strategy{6, Z_RLE, "rle"},
                       Strategy{9, Z_DEFAULT_STRATEGY, "dynamic"}}) {
      ExpectSplices(ZlibCompress(input, s.level, s.strategy), input,
                    std::string("zlib ") + s.name + ", " + std::to_string(input.size()) + " bytes");
    }
  }
}

TEST(DeflateSpliceTest, ChainsManyStreams) {
  std::string all;
  Bytes joined;
  for (int i = 0; i < 20; ++i) {
    std::string piece = testkit::MixedBytes(static_cast<size_t>(i) * 5000, static_cast<uint64_t>(i));
    Bytes stream = LibdeflateCompress(piece, i % 13);
    if (i != 19) MakeDeflateStreamContinuable(stream);
    joined.insert(joined.end(), stream.begin(), stream.end());
    all += piece;
  }
  EXPECT_EQ(Inflate(joined, all.size()), all);
}

TEST(DeflateSpliceTest, EndsWithTheSyncFlushMarker) {
  Bytes stream = LibdeflateCompress("marker", 6);
  MakeDeflateStreamContinuable(stream);
  ASSERT_GE(stream.size(), 4u);
  EXPECT_EQ(Bytes(stream.end() - 4, stream.end()), (Bytes{0x00, 0x00, 0xff, 0xff}));
}

TEST(DeflateSpliceTest, RejectsTruncatedAndMalformedStreams) {
  Bytes stream = LibdeflateCompress(testkit::MixedBytes(50000, 3), 6);
  Bytes truncated(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(stream.size() / 2));
  EXPECT_THROW(LocateFinalBlock(truncated), Error);
  EXPECT_THROW(LocateFinalBlock(Bytes{}), Error);
  try {
    LocateFinalBlock(Bytes{0x07});  // final block of the reserved type 3
    ADD_FAILURE() << "accepted block type 3";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("block type 3"), std::string::npos) << e.what();
  }
  // A stored block whose length check does not match.
  EXPECT_THROW(LocateFinalBlock(Bytes{0x01, 0x05, 0x00, 0x00, 0x00}), Error);
  // A fixed-Huffman block using the reserved length symbol 286 (11000110).
  try {
    LocateFinalBlock(Bytes{0x1b, 0x03});
    ADD_FAILURE() << "accepted length symbol 286";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("length symbol 286"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace imgbuild::layers
