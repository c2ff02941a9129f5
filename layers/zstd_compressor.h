// Streaming zstd compression with libzstd's own worker threads.
//
// libzstd always runs in its multi-threaded mode here (at least one
// worker), whose output depends on the level, the job size (fixed at
// 4 MiB, see zstd_compressor.cc) and the input but not on the number of
// workers or on how the input is chunked; single-threaded mode
// (no workers) would produce different bytes, so one machine's digests
// would not match another's. The frame has a content checksum (as the zstd
// CLI and containerd write) and no content size (unknown when streaming):
// `zstd -3 -T2 -B4194304` (any -T) writes the same bytes.
#ifndef IMGBUILD_LAYERS_ZSTD_COMPRESSOR_H_
#define IMGBUILD_LAYERS_ZSTD_COMPRESSOR_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "layers/sink.h"

namespace imgbuild::layers {

/// What shapes a ZstdCompressor's work and output.
struct ZstdOptions {
  /// zstd's scale: ZSTD_minCLevel() (negative, fastest) to 22; 3 is the
  /// zstd CLI's and containerd's default.
  int level = 3;
  /// libzstd worker threads; 0 means UsableCpuCount(). Does not change the
  /// output.
  unsigned threads = 0;
};

/// A ByteSink that zstd-compresses into another ByteSink.
class ZstdCompressor : public ByteSink {
 public:
  /// `destination` must outlive this object; it is written only from the
  /// calling thread and never closed. Throws Error for an invalid level or
  /// when libzstd cannot be set up (e.g. built without threads).
  ZstdCompressor(ByteSink& destination, const ZstdOptions& options = {});
  ~ZstdCompressor() override;
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  /// Compresses `data`, writing whatever output is ready. Throws Error on a
  /// libzstd failure, or what the destination throws.
  void Write(const void* data, size_t size) override;
  /// Finishes the frame and writes the rest. Throws like Write.
  void Close() override;

 private:
  // Feeds `data` to libzstd, forwarding output, until all of it is taken
  // (and, with `end`, until the frame is complete).
  void Compress(const void* data, size_t size, bool end);

  struct Context;
  ByteSink& destination_;
  std::unique_ptr<Context> context_;
  std::vector<char> output_;
  bool closed_ = false;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_ZSTD_COMPRESSOR_H_
