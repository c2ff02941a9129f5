#include "layers/gzip_compressor.h"

#include <libdeflate.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "layers/compress.h"
#include "layers/deflate_splice.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

struct CompressorDeleter {
  void operator()(libdeflate_compressor* compressor) const { libdeflate_free_compressor(compressor); }
};
using CompressorPtr = std::unique_ptr<libdeflate_compressor, CompressorDeleter>;

// One block on its way through the pipeline.
struct Block {
  enum class Status { kFree, kQueued, kDone };
  std::vector<uint8_t> input;
  std::vector<uint8_t> output;  // raw DEFLATE; continuable unless `last`
  bool last = false;
  Status status = Status::kFree;
  std::exception_ptr error;
};

// Compresses `block.input` into `block.output`.
void CompressBlock(libdeflate_compressor* compressor, Block& block) {
  size_t size = block.input.size();
  block.output.resize(libdeflate_deflate_compress_bound(compressor, size));
  size_t written = libdeflate_deflate_compress(compressor, block.input.data(), size,
                                               block.output.data(), block.output.size());
  if (written == 0) Fail("gzip: libdeflate could not compress a {}-byte block", size);
  block.output.resize(written);
  if (block.last) return;
  DeflateFinalBlock found = MakeDeflateStreamContinuable(block.output);
  // A mis-walk would corrupt the layer; the decoded size is a cheap cross-check.
  if (found.uncompressed_size != size) {
    Fail("gzip: internal error: spliced block decodes to {} bytes, not {}; "
         "use another --compression until this is fixed",
         found.uncompressed_size, size);
  }
}

void PutLittleEndian32(uint32_t value, unsigned char* out) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<unsigned char>(value >> (8 * i));
}

}  // namespace

// Blocks form a ring: the caller fills block `filled % ring`, workers
// compress queued blocks in any order, the caller writes them out in
// sequence. The ring size bounds memory to about 2 * ring * block_size.
struct GzipCompressor::State {
  ByteSink& destination;
  int level;
  size_t block_size;
  std::vector<Block> ring;
  uint64_t filled = 0;   // sequence number of the block being filled
  uint64_t written = 0;  // sequence number of the next block to write out
  uint32_t crc = 0;
  uint64_t input_size = 0;
  bool closed = false;

  std::mutex mutex;
  std::condition_variable queued_cv;  // workers wait for work
  std::condition_variable done_cv;    // the caller waits for results
  std::deque<Block*> queue;
  bool stopping = false;
  std::vector<std::jthread> workers;

  State(ByteSink& destination, const GzipOptions& options, unsigned threads)
      : destination(destination), level(options.level), block_size(options.block_size),
        ring(2 * threads) {}

  void WorkerLoop() {
    CompressorPtr compressor(libdeflate_alloc_compressor(level));
    while (true) {
      Block* block = nullptr;
      {
        std::unique_lock lock(mutex);
        queued_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;
        block = queue.front();
        queue.pop_front();
      }
      try {
        if (!compressor) Fail("gzip: cannot allocate a compressor (out of memory)");
        CompressBlock(compressor.get(), *block);
      } catch (...) {
        block->error = std::current_exception();
      }
      {
        std::lock_guard lock(mutex);
        block->status = Block::Status::kDone;
      }
      done_cv.notify_one();
    }
  }

  Block& FillingBlock() {
    while (filled - written >= ring.size()) WriteOut(/*wait=*/true);
    Block& block = ring[filled % ring.size()];
    block.input.reserve(block_size);  // once per block; kept across reuse
    return block;
  }

  void Submit(bool last) {
    Block& block = ring[filled % ring.size()];
    block.last = last;
    {
      std::lock_guard lock(mutex);
      block.status = Block::Status::kQueued;
      queue.push_back(&block);
    }
    queued_cv.notify_one();
    ++filled;
  }

  // Writes the next block in sequence if it is done (or, with `wait`, once
  // it is). Returns whether it wrote one.
  bool WriteOut(bool wait) {
    if (written == filled) return false;
    Block& block = ring[written % ring.size()];
    {
      std::unique_lock lock(mutex);
      if (wait) done_cv.wait(lock, [&] { return block.status == Block::Status::kDone; });
      if (block.status != Block::Status::kDone) return false;
    }
    if (block.error) std::rethrow_exception(block.error);
    if (written == 0) destination.Write(kGzipHeader, sizeof(kGzipHeader));
    // Skip empty blocks: like zlib, libdeflate_crc32 restarts at 0 for a null buffer.
    if (!block.input.empty()) crc = libdeflate_crc32(crc, block.input.data(), block.input.size());
    destination.Write(block.output.data(), block.output.size());
    block.input.clear();
    {
      std::lock_guard lock(mutex);
      block.status = Block::Status::kFree;
    }
    ++written;
    return true;
  }
};

GzipCompressor::GzipCompressor(ByteSink& destination, const GzipOptions& options) {
  if (options.level < 0 || options.level > 12) {
    Fail("gzip compression level {} is out of range: use 0 (store) to 12 (smallest)", options.level);
  }
  if (options.block_size == 0) Fail("gzip block size must not be 0");
  unsigned threads = options.threads != 0 ? options.threads : UsableCpuCount();
  state_ = std::make_unique<State>(destination, options, threads);
  for (unsigned i = 0; i < threads; ++i) {
    state_->workers.emplace_back([state = state_.get()] { state->WorkerLoop(); });
  }
}

GzipCompressor::~GzipCompressor() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->queued_cv.notify_all();
  state_->workers.clear();  // joins
}

void GzipCompressor::Write(const void* data, size_t size) {
  State& s = *state_;
  if (s.closed) Fail("gzip: write after Close");
  const auto* bytes = static_cast<const uint8_t*>(data);
  s.input_size += size;
  while (size > 0) {
    Block& block = s.FillingBlock();
    size_t take = std::min(size, s.block_size - block.input.size());
    block.input.insert(block.input.end(), bytes, bytes + take);
    bytes += take;
    size -= take;
    if (block.input.size() == s.block_size) {
      s.Submit(/*last=*/false);
      while (s.WriteOut(/*wait=*/false)) {
      }
    }
  }
}

void GzipCompressor::Close() {
  State& s = *state_;
  if (s.closed) return;
  s.closed = true;
  // The last block may be empty; it still carries the final DEFLATE block.
  s.FillingBlock();
  s.Submit(/*last=*/true);
  while (s.WriteOut(/*wait=*/true)) {
  }
  unsigned char trailer[8];
  PutLittleEndian32(s.crc, trailer);
  PutLittleEndian32(static_cast<uint32_t>(s.input_size), trailer + 4);  // ISIZE is mod 2^32
  s.destination.Write(trailer, sizeof(trailer));
}

}  // namespace imgbuild::layers
