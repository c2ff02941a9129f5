// Layer compression formats and the streaming compressors for them.
//
// A compressor is a ByteSink that compresses what it is given into another
// ByteSink, so it can sit between the tar writer and the blob store. Output
// is a pure function of the input bytes and the options that shape it
// (format, level, block size), never of thread counts, write chunking,
// time or host, so layer digests reproduce. They do depend on the library
// versions (libdeflate, libzstd), as every compressor's output does: the
// same distribution release gives the same blobs; diff IDs never change.
#ifndef IMGBUILD_LAYERS_COMPRESS_H_
#define IMGBUILD_LAYERS_COMPRESS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "layers/sink.h"

namespace imgbuild::layers {

/// How a layer blob is compressed.
enum class Compression { kNone, kGzip, kZstd };

/// What a compressor should produce.
struct CompressionOptions {
  Compression compression = Compression::kGzip;
  /// Format-specific level; unset means the format's usual default
  /// (gzip 6 like gzip/pigz/Go, zstd 3 like the zstd CLI and containerd).
  std::optional<int> level;
  /// Worker threads; 0 means one per CPU this process may run on. Does not
  /// change the output.
  unsigned threads = 0;
};

/// "gzip", "zstd" or "uncompressed" (BuildKit's spelling of none).
std::string_view CompressionName(Compression compression);

/// Parses a name as CompressionName writes it; also accepts "none". Throws
/// Error naming the accepted values otherwise.
Compression ParseCompression(std::string_view name);

/// Recognises a compressed blob from its first bytes (at least 4 for zstd):
/// gzip (1f 8b), zstd (28 b5 2f fd). Anything else, including a plain tar,
/// is kNone.
Compression SniffCompression(std::span<const uint8_t> head);

/// The number of CPUs this process may run on (its affinity mask), at least 1.
unsigned UsableCpuCount();

/// Makes a compressor writing into `destination`, which must outlive it and
/// which it never closes. Close() the compressor to finish the stream.
/// kNone passes bytes through unchanged (and ignores the level). Throws
/// Error for an invalid level.
std::unique_ptr<ByteSink> MakeCompressor(const CompressionOptions& options, ByteSink& destination);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_COMPRESS_H_
