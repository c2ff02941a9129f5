// Streaming a blob into the store: bytes go to a temporary file and appear
// under blobs/<alg>/<hex> only once complete, durable and verified.
#ifndef IMGBUILD_LAYERS_BLOB_WRITER_H_
#define IMGBUILD_LAYERS_BLOB_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layers/digest.h"
#include "layers/sink.h"
#include "util/atomic_file.h"

namespace imgbuild::layers {

/// A ByteSink that writes one blob. Made by Store::NewBlob. It hashes as it
/// writes; Commit publishes the blob under its digest. A writer destroyed
/// without a successful Commit removes its temporary file, and a crash
/// leaves only a temporary file that Prune removes. Concurrent writers of
/// the same blob (threads or processes) are safe: each renames a complete
/// copy onto the same name. Not thread-safe itself.
class BlobWriter : public ByteSink {
 public:
  BlobWriter(BlobWriter&&) noexcept = default;
  BlobWriter& operator=(BlobWriter&&) = delete;
  ~BlobWriter() override = default;

  /// Appends bytes. Throws Error on I/O failure or after Seal or Commit.
  void Write(const void* data, size_t size) override;
  /// Flushes buffered bytes to the temporary file; Commit does it too.
  void Close() override;

  /// Bytes written so far.
  int64_t size() const { return static_cast<int64_t>(hasher_.size()); }

  /// Finishes the blob: checks it against `expected_digest` and
  /// `expected_size` when given, fsyncs it, renames it to blobs/<alg>/<hex>
  /// and fsyncs that directory. When a blob of that name and size is there
  /// already (its bytes are the same and were made durable by the Commit
  /// that put it there), the new copy is dropped without any fsync.
  /// Returns the digest. On mismatch throws Error naming the
  /// expected and actual digest and size, and keeps nothing. Throws Error on
  /// I/O failure or when called twice.
  Digest Commit(const std::optional<Digest>& expected_digest = std::nullopt,
                std::optional<int64_t> expected_size = std::nullopt);

  /// The first half of Commit, for callers that must check a whole set of
  /// blobs before publishing any (imports): verifies like Commit but keeps
  /// the bytes in the temporary file and frees the write buffer.
  /// Returns the digest. After Seal, OpenSealed reads the bytes back and
  /// Commit() (without expectations) publishes them. Throws like Commit,
  /// keeping nothing on mismatch.
  Digest Seal(const std::optional<Digest>& expected_digest = std::nullopt,
              std::optional<int64_t> expected_size = std::nullopt);
  /// Opens the sealed temporary file read-only. Throws Error unless sealed.
  UniqueFd OpenSealed() const;

 private:
  friend class Store;
  // `blobs_dir` is <root>/blobs; the temporary file is created in `temp_dir`.
  BlobWriter(const std::string& temp_dir, std::string blobs_dir, DigestAlgorithm algorithm);
  void Flush();
  // Writes to the temporary file and starts writeback of what accumulated.
  void WriteToFile(const void* data, size_t size);
  // Throws unless the writer still accepts data.
  void CheckOpen(const char* operation) const;

  std::optional<TempFile> file_;  // Reset (removing the file) once committed or failed.
  std::optional<Digest> sealed_;  // Set by Seal.
  std::string blobs_dir_;
  Hasher hasher_;
  std::vector<char> buffer_;
  size_t buffered_ = 0;
  int64_t written_ = 0;             // Bytes in the temporary file.
  int64_t writeback_started_ = 0;   // Bytes whose writeback has been started.
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_BLOB_WRITER_H_
