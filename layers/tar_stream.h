// A libarchive pax-restricted tar writer that streams into a ByteSink.
// It owns the byte-level choices (format, blocking, end marker) so that
// every layer is framed the same way; callers supply normalised headers.
#ifndef IMGBUILD_LAYERS_TAR_STREAM_H_
#define IMGBUILD_LAYERS_TAR_STREAM_H_

#include <archive_entry.h>

#include <cstdint>
#include <exception>
#include <string>

#include "layers/archive_util.h"
#include "layers/sink.h"

namespace imgbuild::layers {

/// Writes tar entries into a sink: restricted pax (ustar unless a field
/// needs an extended header), xattrs as SCHILY.xattr records like Docker
/// and GNU tar, no padding after the 1024-byte end marker. Output reaches
/// the sink in 1 MiB blocks.
class TarStream {
 public:
  /// Throws Error if libarchive cannot be set up.
  explicit TarStream(ByteSink& sink);
  /// Without Finish, stops forwarding: a failed layer is not terminated.
  ~TarStream();
  TarStream(const TarStream&) = delete;
  TarStream& operator=(const TarStream&) = delete;

  /// Writes the header of `entry`. Throws Error naming the entry, or
  /// rethrows what the sink threw.
  void WriteHeader(archive_entry* entry);
  /// Writes `size` bytes of the current entry's data. Throws like WriteHeader.
  void WriteData(const void* data, size_t size);
  /// Writes the end-of-archive marker, flushes and closes the sink.
  void Finish();
  /// Bytes handed to the sink so far.
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  static la_ssize_t OnWrite(archive* a, void* self, const void* buffer, size_t length);
  [[noreturn]] void FailWith(const std::string& what);

  ByteSink& sink_;
  std::exception_ptr sink_error_;
  uint64_t bytes_written_ = 0;
  bool forwarding_ = true;
  std::string current_name_;
  // Last, so it is freed first: freeing closes the archive, which calls
  // OnWrite, which reads the members above.
  ArchiveWriter archive_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_TAR_STREAM_H_
