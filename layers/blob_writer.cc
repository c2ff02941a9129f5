#include "layers/blob_writer.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <system_error>

#include "util/error.h"

namespace imgbuild::layers {
namespace {

// Small writes (tar headers) are gathered into one write(2).
constexpr size_t kBufferSize = 256 * 1024;
// Writeback of every this many bytes starts while the rest is still being
// written, so that Commit's fsync does not wait for the whole blob at once.
constexpr int64_t kWritebackStep = 8 << 20;

// A regular file of `size` bytes at `path` (a blob committed before).
bool IsStoredWithSize(const std::string& path, int64_t size) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && info.st_size == size;
}

}  // namespace

BlobWriter::BlobWriter(const std::string& temp_dir, std::string blobs_dir,
                       DigestAlgorithm algorithm)
    : blobs_dir_(std::move(blobs_dir)), hasher_(algorithm), buffer_(kBufferSize) {
  file_.emplace(temp_dir, "blob-");
}

void BlobWriter::CheckOpen(const char* operation) const {
  if (!file_) Fail("{} a blob writer that was already committed or failed", operation);
}

void BlobWriter::Write(const void* data, size_t size) {
  CheckOpen("write to");
  if (sealed_) Fail("write to blob {} after it was sealed", sealed_->ToString());
  hasher_.Update(data, size);
  if (buffered_ + size > buffer_.size()) Flush();
  if (size >= buffer_.size()) {
    WriteToFile(data, size);
    return;
  }
  std::memcpy(buffer_.data() + buffered_, data, size);
  buffered_ += size;
}

void BlobWriter::Flush() {
  if (buffered_ == 0) return;
  WriteToFile(buffer_.data(), buffered_);
  buffered_ = 0;
}

void BlobWriter::WriteToFile(const void* data, size_t size) {
  WriteAll(file_->fd(), data, size, file_->path());
  written_ += static_cast<int64_t>(size);
  if (written_ - writeback_started_ < kWritebackStep) return;
  // Only a hint (Commit's fsync is the guarantee), so failure is ignored.
  ::sync_file_range(file_->fd(), writeback_started_, written_ - writeback_started_,
                    SYNC_FILE_RANGE_WRITE);
  writeback_started_ = written_;
}

void BlobWriter::Close() {
  CheckOpen("close");
  Flush();
}

Digest BlobWriter::Seal(const std::optional<Digest>& expected_digest,
                        std::optional<int64_t> expected_size) {
  CheckOpen("seal");
  if (sealed_) Fail("seal a blob writer twice ({})", sealed_->ToString());
  Flush();
  int64_t actual_size = size();
  Digest actual = hasher_.Finish();
  bool digest_ok = !expected_digest || *expected_digest == actual;
  bool size_ok = !expected_size || *expected_size == actual_size;
  if (!digest_ok || !size_ok) {
    file_.reset();  // Removes the temporary file: nothing of a bad blob is kept.
    Fail("blob verification failed: expected {} ({} bytes), got {} ({} bytes); nothing was stored",
         expected_digest ? expected_digest->ToString() : "any digest",
         expected_size ? std::to_string(*expected_size) : "any size", actual.ToString(),
         actual_size);
  }
  buffer_ = {};
  sealed_ = actual;
  return actual;
}

UniqueFd BlobWriter::OpenSealed() const {
  CheckOpen("read");
  if (!sealed_) Fail("read back a blob that is still being written");
  return OpenOrThrow(file_->path(), O_RDONLY);
}

Digest BlobWriter::Commit(const std::optional<Digest>& expected_digest,
                          std::optional<int64_t> expected_size) {
  CheckOpen("commit");
  if (sealed_ && (expected_digest || expected_size)) {
    Fail("commit of sealed blob {}: it was verified when sealed", sealed_->ToString());
  }
  Digest actual = sealed_ ? *sealed_ : Seal(expected_digest, expected_size);
  // From here on the writer is spent; `file` removes itself on any failure.
  TempFile file = std::move(*file_);
  file_.reset();
  std::string dir = blobs_dir_ + "/" + std::string(actual.algorithm_name());
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) Fail("create blob directory {}: {}", dir, error.message());
  std::string path = dir + "/" + actual.hex();
  // Its writer may still be between its rename and its fsync of the
  // directory; but whatever later makes a reference to it durable (a
  // manifest committed into this directory) commits the journal, with
  // that earlier rename, on the journaling filesystems a store lives on.
  // So no fsync (a device cache flush, milliseconds) is spent here.
  if (IsStoredWithSize(path, size())) return actual;  // `file` removes the copy
  file.Commit(path);
  return actual;
}

}  // namespace imgbuild::layers
