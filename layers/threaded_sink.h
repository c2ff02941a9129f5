// Handing a byte stream to another thread, like a shell pipe between two
// processes: the producer (e.g. the tar writer reading files) and the
// consumer (hashing, compressing, writing the blob) then run on two cores at
// once instead of taking turns on one.
#ifndef IMGBUILD_LAYERS_THREADED_SINK_H_
#define IMGBUILD_LAYERS_THREADED_SINK_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "layers/sink.h"

namespace imgbuild::layers {

/// A ByteSink that copies what it is given into chunks and has its own
/// thread write them, in order, into `destination`. Memory is bounded by
/// `max_chunks` chunks of `chunk_size` bytes; Write waits when they are all
/// in flight. The destination sees the same bytes, in fewer and larger
/// writes. Not thread-safe itself (one producer).
class ThreadedSink : public ByteSink {
 public:
  /// Starts the thread. `destination` must outlive this object.
  explicit ThreadedSink(ByteSink& destination, size_t chunk_size = 1 << 20,
                        size_t max_chunks = 4);
  /// Stops the thread; without a successful Close, queued bytes are
  /// discarded (the stream is being abandoned). Never throws.
  ~ThreadedSink() override;
  ThreadedSink(const ThreadedSink&) = delete;
  ThreadedSink& operator=(const ThreadedSink&) = delete;

  /// Queues `size` bytes. Throws what the destination threw on the other
  /// thread (once it has failed, every later call throws it again).
  void Write(const void* data, size_t size) override;
  /// Waits until the destination has taken every byte, then closes the
  /// destination on the calling thread. Throws like Write, or what the
  /// destination's Close throws.
  void Close() override;

 private:
  void Run();
  // Moves the chunk being filled to the queue, waiting for a free slot.
  void Submit();
  void RethrowIfFailed();

  ByteSink& destination_;
  size_t chunk_size_;
  size_t max_chunks_;
  std::vector<char> filling_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<char>> queued_;  // guarded by mutex_
  std::vector<std::vector<char>> spare_;  // guarded by mutex_: emptied chunks for reuse
  size_t in_flight_ = 0;                  // guarded by mutex_: queued or being written
  bool finishing_ = false;                // guarded by mutex_
  bool stopping_ = false;                 // guarded by mutex_
  std::exception_ptr error_;              // guarded by mutex_
  bool closed_ = false;
  std::thread thread_;  // Last: starts once everything above is ready.
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_THREADED_SINK_H_
