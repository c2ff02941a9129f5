#include "layers/compress.h"

#include <sched.h>

#include <vector>

#include "layers/gzip_compressor.h"
#include "layers/zstd_compressor.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

// Compression "none": hands bytes on unchanged, gathering small writes (tar
// headers are 512 bytes) into larger ones as the compressors do.
class PassThrough : public ByteSink {
 public:
  explicit PassThrough(ByteSink& destination) : destination_(destination) { buffer_.reserve(kBufferSize); }

  void Write(const void* data, size_t size) override {
    if (buffer_.size() + size > kBufferSize) Flush();
    if (size >= kBufferSize) {
      destination_.Write(data, size);
      return;
    }
    const auto* bytes = static_cast<const char*>(data);
    buffer_.insert(buffer_.end(), bytes, bytes + size);
  }

  void Close() override { Flush(); }

 private:
  static constexpr size_t kBufferSize = 128 << 10;

  void Flush() {
    if (buffer_.empty()) return;
    destination_.Write(buffer_.data(), buffer_.size());
    buffer_.clear();
  }

  ByteSink& destination_;
  std::vector<char> buffer_;
};

}  // namespace

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kNone:
      break;
  }
  return "uncompressed";
}

Compression ParseCompression(std::string_view name) {
  if (name == "gzip") return Compression::kGzip;
  if (name == "zstd") return Compression::kZstd;
  if (name == "uncompressed" || name == "none") return Compression::kNone;
  Fail("unknown compression \"{}\": use gzip, zstd or uncompressed", name);
}

Compression SniffCompression(std::span<const uint8_t> head) {
  if (head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b) return Compression::kGzip;
  if (head.size() >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

unsigned UsableCpuCount() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  int count = CPU_COUNT(&set);
  return count > 0 ? static_cast<unsigned>(count) : 1;
}

std::unique_ptr<ByteSink> MakeCompressor(const CompressionOptions& options, ByteSink& destination) {
  switch (options.compression) {
    case Compression::kGzip: {
      GzipOptions gzip;
      gzip.level = options.level.value_or(gzip.level);
      gzip.threads = options.threads;
      return std::make_unique<GzipCompressor>(destination, gzip);
    }
    case Compression::kZstd: {
      ZstdOptions zstd;
      zstd.level = options.level.value_or(zstd.level);
      zstd.threads = options.threads;
      return std::make_unique<ZstdCompressor>(destination, zstd);
    }
    case Compression::kNone:
      break;
  }
  return std::make_unique<PassThrough>(destination);
}

}  // namespace imgbuild::layers
