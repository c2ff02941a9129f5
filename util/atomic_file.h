// Crash-safe file replacement: write under a temporary name, fsync, rename
// onto the final name, fsync the directory. A reader (or a crash) sees the
// old file or the complete new one, never a partial one.
#ifndef IMGBUILD_UTIL_ATOMIC_FILE_H_
#define IMGBUILD_UTIL_ATOMIC_FILE_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "util/fd.h"

namespace imgbuild {

/// Whether a replaced file must survive a machine crash.
enum class Durability {
  kDurable,     ///< fsync the data and the directory: after a crash, old or new content.
  kAtomicOnly,  ///< Readers see old or new content, but a machine crash may leave
                ///< the old file, no file or an empty one (a process crash cannot).
};

/// A file written under a unique temporary name that appears under its
/// final name only on Commit; destroyed uncommitted, it is removed. While it
/// exists its writer holds an exclusive flock on it, so other processes can
/// tell a live temp file from one a crash left behind (IsAbandonedTempFile).
class TempFile {
 public:
  /// Creates `<dir>/<prefix>XXXXXX` (mode 0600). `dir` must be on the same
  /// filesystem as the final name. Throws Error naming the path.
  TempFile(const std::string& dir, const std::string& prefix);
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  /// Unlinks the file unless it was committed.
  ~TempFile();

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

  /// fsyncs the data, sets `mode`, renames the file onto `final_path`
  /// (atomically replacing what is there) and fsyncs the directory of
  /// `final_path`; with kAtomicOnly, no fsync. Throws Error naming both
  /// paths; the temp file is then still removed by the destructor.
  void Commit(const std::string& final_path, mode_t mode = 0644,
              Durability durability = Durability::kDurable);

 private:
  UniqueFd fd_;
  std::string path_;  // Empty once committed or moved from.
};

/// True when `path` is a file nobody holds an flock on, i.e. a TempFile
/// whose writer died. False when it is live or already gone. Throws Error on
/// other failures.
bool IsAbandonedTempFile(const std::string& path);

/// Replaces `path` with `bytes` atomically and, unless told otherwise,
/// durably (see TempFile). `temp_dir` holds the temporary file; "" means the
/// directory of `path`. Throws Error naming `path`.
void WriteFileAtomically(const std::string& path, std::string_view bytes,
                         const std::string& temp_dir = "", mode_t mode = 0644,
                         Durability durability = Durability::kDurable);

/// fsync(2) on `fd`; throws Error naming `what`.
void SyncFd(int fd, const std::string& what);

/// fsyncs the directory `dir` so that renames and unlinks in it are
/// durable. Throws Error naming `dir`.
void SyncDirectory(const std::string& dir);

/// The directory part of `path` ("." when it has none).
std::string ParentDirectory(const std::string& path);

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_ATOMIC_FILE_H_
