#include "layers/compress.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "layers/gzip_compressor.h"
#include "layers/zstd_compressor.h"
#include "tests/layers/compression_testing.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using testkit::MixedBytes;
using testkit::RunTool;
using testkit::StringSink;

// Compresses `input` in writes of `chunk` bytes.
std::string Compress(std::string_view input, CompressionOptions options, size_t chunk = 1 << 16) {
  StringSink sink;
  std::unique_ptr<ByteSink> compressor = MakeCompressor(options, sink);
  for (size_t offset = 0; offset < input.size(); offset += chunk) {
    compressor->Write(input.data() + offset, std::min(chunk, input.size() - offset));
  }
  compressor->Close();
  return sink.bytes;
}

CompressionOptions Format(Compression compression) {
  CompressionOptions options;
  options.compression = compression;
  return options;
}

std::string CompressGzip(std::string_view input, const GzipOptions& options) {
  StringSink sink;
  GzipCompressor compressor(sink, options);
  compressor.Write(input.data(), input.size());
  compressor.Close();
  return sink.bytes;
}

// Gunzips with zlib, requiring exactly one gzip member spanning all of `gz`.
std::string GunzipOneMember(const std::string& gz, size_t expected_size) {
  return testkit::InflateExactly(gz, 16 + 15, expected_size);
}

class CompressorTest : public ::testing::TestWithParam<Compression> {
 protected:
  CompressionOptions Options(unsigned threads = 0) const {
    CompressionOptions options = Format(GetParam());
    options.threads = threads;
    return options;
  }

  // Enough input for several units of parallel work: 1 MiB gzip blocks,
  // 8 MiB zstd jobs (four windows at level 3).
  size_t MultiBlockSize() const { return GetParam() == Compression::kGzip ? 5'000'000 : 20'000'000; }

  // Every decompressor we can run here must give back `input` exactly.
  void ExpectToolsRestore(const std::string& compressed, const std::string& input) {
    TempDir dir;
    std::string path = dir.path() + "/blob";
    testkit::WriteFile(path, compressed);
    std::vector<std::string> commands;
    if (GetParam() == Compression::kGzip) {
      commands = {"gzip -dc '" + path + "'", "pigz -dc '" + path + "'",
                  "python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())' '" +
                      path + "'"};
    } else {
      commands = {"zstd -qdc '" + path + "'"};
    }
    for (const std::string& command : commands) {
      EXPECT_TRUE(RunTool(command) == input) << command << " does not restore the input";
    }
    EXPECT_TRUE(testkit::ReadWithLibarchive(path) == input) << "libarchive does not restore the input";
  }
};

TEST_P(CompressorTest, ExternalToolsRestoreTheInput) {
  std::string input = MixedBytes(3'000'000);
  ExpectToolsRestore(Compress(input, Options()), input);
}

TEST_P(CompressorTest, EmptyInputIsAValidStream) {
  std::string compressed = Compress("", Options());
  EXPECT_FALSE(compressed.empty());
  ExpectToolsRestore(compressed, "");
}

TEST_P(CompressorTest, OutputDoesNotDependOnThreadCount) {
  std::string input = MixedBytes(MultiBlockSize(), 2);
  std::string one_thread = Compress(input, Options(1));
  for (unsigned threads : {2u, 4u, 8u}) {
    EXPECT_TRUE(Compress(input, Options(threads)) == one_thread) << threads << " threads differ from 1";
  }
}

TEST_P(CompressorTest, OutputDoesNotDependOnWriteSizes) {
  std::string input = MixedBytes(MultiBlockSize() / 2, 3);
  std::string whole = Compress(input, Options(), input.size());
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
    EXPECT_TRUE(Compress(input, Options(), chunk) == whole) << "writes of " << chunk << " bytes differ";
  }
}

TEST_P(CompressorTest, IsRecognisedBySniffing) {
  std::string compressed = Compress("sniff me", Options());
  EXPECT_EQ(SniffCompression({reinterpret_cast<const uint8_t*>(compressed.data()), compressed.size()}),
            GetParam());
}

TEST_P(CompressorTest, PassesOnDestinationErrors) {
  class FailingSink : public ByteSink {
   public:
    void Write(const void*, size_t) override { Fail("disk full (test)"); }
  };
  FailingSink sink;
  std::string input = MixedBytes(5'000'000, 5);
  try {
    std::unique_ptr<ByteSink> compressor = MakeCompressor(Options(2), sink);
    compressor->Write(input.data(), input.size());
    compressor->Close();
    ADD_FAILURE() << "no error from a failing destination";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "disk full (test)");
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, CompressorTest,
                         ::testing::Values(Compression::kGzip, Compression::kZstd),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(CompressionTest, OutputDoesNotDependOnTheClock) {
  // gzip headers can carry a modification time and zstd frames nothing of
  // the sort; over a second apart (gzip's resolution) both must match.
  std::string input = MixedBytes(200'000, 4);
  std::string gzip = Compress(input, Format(Compression::kGzip));
  std::string zstd = Compress(input, Format(Compression::kZstd));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(Compress(input, Format(Compression::kGzip)) == gzip);
  EXPECT_TRUE(Compress(input, Format(Compression::kZstd)) == zstd);
}

TEST(GzipCompressorTest, WritesOneMemberWithAFixedHeader) {
  std::string input = MixedBytes(5'000'000, 6);
  std::string gz = CompressGzip(input, {});
  ASSERT_GT(gz.size(), 18u);
  // No name, no timestamp, OS 255: what Go's compress/gzip writes.
  EXPECT_EQ(gz.substr(0, 10), std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10));
  EXPECT_TRUE(GunzipOneMember(gz, input.size()) == input);
}

TEST(GzipCompressorTest, SplicesSmallBlocksAtEveryLevel) {
  std::string input = MixedBytes(300'000, 7);
  for (int level = 0; level <= 12; ++level) {
    GzipOptions options;
    options.level = level;
    options.block_size = 4096 + 17;
    options.threads = 3;
    EXPECT_TRUE(GunzipOneMember(CompressGzip(input, options), input.size()) == input) << "level " << level;
  }
}

TEST(GzipCompressorTest, InputOfWholeBlocksEndsWithAnEmptyFinalBlock) {
  GzipOptions options;
  options.block_size = 1000;
  std::string input = MixedBytes(3000, 8);
  EXPECT_TRUE(GunzipOneMember(CompressGzip(input, options), input.size()) == input);
}

TEST(GzipCompressorTest, CompressesAsWellAsGzip) {
  std::string input = MixedBytes(4'000'000, 9);
  TempDir dir;
  testkit::WriteFile(dir.path() + "/in", input);
  size_t gzip_size = RunTool("gzip -6 -c '" + dir.path() + "/in'").size();
  size_t ours = CompressGzip(input, {}).size();
  // libdeflate is ~1% larger than zlib on text-like data (and smaller on
  // binaries); blocks compressed without the previous 32 KiB add ~0.5%.
  EXPECT_LE(ours, gzip_size * 102 / 100) << "ours " << ours << " vs gzip -6 " << gzip_size;
}

TEST(GzipCompressorTest, RejectsBadOptions) {
  StringSink sink;
  GzipOptions bad_level;
  bad_level.level = 13;
  EXPECT_THROW(GzipCompressor(sink, bad_level), Error);
  GzipOptions bad_block;
  bad_block.block_size = 0;
  EXPECT_THROW(GzipCompressor(sink, bad_block), Error);
}

TEST(ZstdCompressorTest, WritesAChecksummedFrame) {
  std::string input = MixedBytes(1'000'000, 10);
  TempDir dir;
  testkit::WriteFile(dir.path() + "/blob.zst", Compress(input, Format(Compression::kZstd)));
  std::string listing = RunTool("zstd -lv '" + dir.path() + "/blob.zst'");
  EXPECT_NE(listing.find("Check: XXH64"), std::string::npos) << listing;
}

TEST(ZstdCompressorTest, MatchesTheZstdCli) {
  // Same library, same level, checksum on, multi-threaded mode, 4 MiB jobs
  // (-B): the CLI's stdin output is ours, which pins down our parameters.
  std::string input = MixedBytes(10'000'000, 12);
  TempDir dir;
  testkit::WriteFile(dir.path() + "/in", input);
  EXPECT_TRUE(RunTool("zstd -q -T2 -3 -B4194304 -c < '" + dir.path() + "/in'") ==
              Compress(input, Format(Compression::kZstd)));
}

TEST(ZstdCompressorTest, RejectsBadLevels) {
  StringSink sink;
  try {
    ZstdOptions options;
    options.level = 99;
    ZstdCompressor compressor(sink, options);
    ADD_FAILURE() << "accepted level 99";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("zstd compression level 99 is out of range"), std::string::npos)
        << e.what();
  }
}

TEST(UncompressedTest, PassesBytesThrough) {
  std::string input = MixedBytes(100'000, 11);
  EXPECT_TRUE(Compress(input, Format(Compression::kNone), 777) == input);
}

TEST(CompressionNameTest, RoundTripsAndRejectsUnknownNames) {
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    EXPECT_EQ(ParseCompression(CompressionName(c)), c);
  }
  EXPECT_EQ(ParseCompression("none"), Compression::kNone);
  try {
    ParseCompression("xz");
    ADD_FAILURE() << "accepted xz";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown compression \"xz\": use gzip, zstd or uncompressed");
  }
}

TEST(SniffCompressionTest, NeedsTheWholeMagic) {
  const uint8_t tar[] = {'e', 't', 'c', '/', 0, 0};
  const uint8_t short_zstd[] = {0x28, 0xb5, 0x2f};
  const uint8_t gzip[] = {0x1f, 0x8b};
  EXPECT_EQ(SniffCompression(tar), Compression::kNone);
  EXPECT_EQ(SniffCompression(short_zstd), Compression::kNone);
  EXPECT_EQ(SniffCompression(gzip), Compression::kGzip);
  EXPECT_EQ(SniffCompression({}), Compression::kNone);
}

TEST(UsableCpuCountTest, CountsAtLeastOne) { EXPECT_GE(UsableCpuCount(), 1u); }

}  // namespace
}  // namespace imgbuild::layers
