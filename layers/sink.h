// Where streamed bytes go: a file, a hasher, a compressor, a blob writer.
// Producers (tar writer, compressors, registry downloads) write into a
// ByteSink so stages can be chained without holding data in memory.
#ifndef IMGBUILD_LAYERS_SINK_H_
#define IMGBUILD_LAYERS_SINK_H_

#include <cstddef>
#include <string>

#include "util/fd.h"

namespace imgbuild::layers {

/// A destination for a stream of bytes.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  /// Consumes `size` bytes. Throws Error on failure.
  virtual void Write(const void* data, size_t size) = 0;
  /// Signals the end of the stream; flushes what is buffered. Called once.
  virtual void Close() {}
};

/// Writes into a file descriptor it does not own.
class FdSink : public ByteSink {
 public:
  /// `what` names the destination in error messages (usually its path).
  FdSink(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}
  void Write(const void* data, size_t size) override { WriteAll(fd_, data, size, what_); }

 private:
  int fd_;
  std::string what_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_SINK_H_
