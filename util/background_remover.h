// Removes directory trees on a thread of its own. Freeing a directory's
// block can wait for the disk (about 3 ms per directory on ext4 mounted
// with `discard`), so a build step that removed its scratch directories
// itself would wait several times per step for nothing it needs.
#ifndef IMGBUILD_UTIL_BACKGROUND_REMOVER_H_
#define IMGBUILD_UTIL_BACKGROUND_REMOVER_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "util/fd.h"

namespace imgbuild {

/// A queue of paths removed one after the other, in order, by one thread.
/// Thread-safe. Removal is best effort, like a TempDir's: what fails to go
/// stays (callers keep such leftovers where cleanup finds them anyway).
class BackgroundRemover {
 public:
  /// Starts the removing thread. Throws std::system_error if it cannot.
  BackgroundRemover();
  /// Removes everything still queued, then stops the thread.
  ~BackgroundRemover();
  BackgroundRemover(const BackgroundRemover&) = delete;
  BackgroundRemover& operator=(const BackgroundRemover&) = delete;

  /// Queues `path` (a file or a directory tree) for removal. `hold` is
  /// closed once it is gone: e.g. the flock that tells a cleaner the
  /// directory is still in use. Throws nothing but std::bad_alloc.
  void Remove(std::string path, UniqueFd hold = UniqueFd());

  /// Returns once everything queued before the call is removed.
  void Drain();

 private:
  void Loop();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<std::string, UniqueFd>> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;  // Last: starts after the state it uses exists.
};

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_BACKGROUND_REMOVER_H_
