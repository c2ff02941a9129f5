// Reads an OCI layer stream: gzip, zstd or plain tar, decompressed with
// libarchive's read filters, while hashing the uncompressed bytes so the
// caller gets the layer's diff ID from the same single pass.
#ifndef IMGBUILD_LAYERS_LAYER_READER_H_
#define IMGBUILD_LAYERS_LAYER_READER_H_

#include <archive_entry.h>

#include <cstdint>
#include <string>
#include <vector>

#include "layers/archive_util.h"
#include "layers/digest.h"
#include "util/error.h"

namespace imgbuild::layers {

/// The layer stream itself is unreadable: not a tar, corrupt, truncated.
class LayerReadError : public Error {
 public:
  using Error::Error;
};

/// Iterates the entries of a layer read from a file descriptor.
class LayerReader {
 public:
  /// Reads from `fd` (not owned, read sequentially); `what` names the
  /// stream in errors. `bzip2_and_xz` also accepts those compressions
  /// (ADD's archives). Throws Error if libarchive cannot be set up.
  LayerReader(int fd, std::string what, bool bzip2_and_xz = false);
  LayerReader(const LayerReader&) = delete;
  LayerReader& operator=(const LayerReader&) = delete;

  /// Returns the next entry, or nullptr at the end of the archive. The entry
  /// stays valid until the next call. Throws LayerReadError for a stream that
  /// is not a (compressed) tar, is corrupt or truncated.
  archive_entry* Next();

  /// Gives the next block of the current entry's data at `*offset` (sparse
  /// files skip holes); returns false after the last block. Throws
  /// LayerReadError naming the entry when the data is truncated or corrupt.
  bool ReadBlock(const void** data, size_t* size, int64_t* offset);

  /// Reads what is left of the stream after the end-of-archive marker and
  /// returns the sha256 of the whole uncompressed stream (the diff ID).
  /// Throws LayerReadError when that rest is corrupt.
  Digest Finish();

  /// Uncompressed bytes read so far.
  uint64_t uncompressed_bytes() const { return hasher_.size(); }

 private:
  static la_ssize_t ReadCompressed(archive* a, void* self, const void** buffer);
  static la_ssize_t ReadUncompressed(archive* a, void* self, const void** buffer);
  [[noreturn]] void FailWith(archive* a, std::string context);

  int fd_;
  std::string what_;
  std::vector<char> input_;
  Hasher hasher_;
  // `decompressor_` turns the fd into the uncompressed stream (raw format,
  // gzip/zstd filters); `tar_` parses that stream. Two stages because
  // libarchive does not expose the bytes between its filters and formats.
  ArchiveReader decompressor_;
  ArchiveReader tar_;
  std::string source_error_;
  archive_entry* current_ = nullptr;  // null between entries
  std::string last_name_;
  bool stream_done_ = false;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_LAYER_READER_H_
