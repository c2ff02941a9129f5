#include "layers/zstd_compressor.h"

#include <zstd.h>

#include "layers/compress.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

// Input per worker job. libzstd's default at level 3 is 8 MiB, and up to
// four jobs (input and output buffers) are in flight at once: fed in 1 MiB
// tar blocks by the layer builder, that peaked at 125 MB of memory. 4 MiB
// jobs keep it under 80 MB for 0.3% larger blobs. Part of the output
// format: changing it changes zstd layer digests.
constexpr int kJobSize = 4 << 20;

void Check(size_t result, const char* what) {
  if (ZSTD_isError(result)) Fail("zstd: {}: {}", what, ZSTD_getErrorName(result));
}

}  // namespace

struct ZstdCompressor::Context {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ~Context() { ZSTD_freeCCtx(cctx); }
};

ZstdCompressor::ZstdCompressor(ByteSink& destination, const ZstdOptions& options)
    : destination_(destination), context_(std::make_unique<Context>()) {
  if (options.level < ZSTD_minCLevel() || options.level > ZSTD_maxCLevel()) {
    Fail("zstd compression level {} is out of range: use {} (fastest) to {} (smallest)",
         options.level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  }
  if (context_->cctx == nullptr) Fail("zstd: cannot allocate a compression context (out of memory)");
  unsigned threads = options.threads != 0 ? options.threads : UsableCpuCount();
  Check(ZSTD_CCtx_setParameter(context_->cctx, ZSTD_c_compressionLevel, options.level),
        "setting the level");
  Check(ZSTD_CCtx_setParameter(context_->cctx, ZSTD_c_checksumFlag, 1), "enabling checksums");
  Check(ZSTD_CCtx_setParameter(context_->cctx, ZSTD_c_nbWorkers, static_cast<int>(threads)),
        "starting worker threads (is libzstd built with multithreading?)");
  Check(ZSTD_CCtx_setParameter(context_->cctx, ZSTD_c_jobSize, kJobSize),
        "setting the job size");
  output_.resize(ZSTD_CStreamOutSize());
}

ZstdCompressor::~ZstdCompressor() = default;

void ZstdCompressor::Write(const void* data, size_t size) {
  if (closed_) Fail("zstd: write after Close");
  Compress(data, size, /*end=*/false);
}

void ZstdCompressor::Close() {
  if (closed_) return;
  closed_ = true;
  Compress(nullptr, 0, /*end=*/true);
}

void ZstdCompressor::Compress(const void* data, size_t size, bool end) {
  ZSTD_inBuffer in{data, size, 0};
  while (true) {
    ZSTD_outBuffer out{output_.data(), output_.size(), 0};
    size_t unflushed =
        ZSTD_compressStream2(context_->cctx, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    Check(unflushed, "compressing");
    if (out.pos > 0) destination_.Write(output_.data(), out.pos);
    if (end ? unflushed == 0 : in.pos == in.size) return;
  }
}

}  // namespace imgbuild::layers
