// Cancellation of long-running work (a sandboxed RUN), safe to trigger from a
// signal handler so that SIGINT/SIGTERM can stop a build promptly.
#ifndef IMGBUILD_BUILDER_CANCEL_TOKEN_H_
#define IMGBUILD_BUILDER_CANCEL_TOKEN_H_

#include <atomic>

#include "util/fd.h"

namespace imgbuild::builder {

/// A one-way flag plus a descriptor that becomes readable once it is set, so
/// waiting code can poll(2) for it next to its other descriptors.
class CancelToken {
 public:
  /// Creates the token's eventfd. Throws Error when it cannot.
  CancelToken();

  /// Sets the flag and wakes every poller. Async-signal-safe (one atomic
  /// store and one write(2)), so a SIGINT/SIGTERM handler may call it. Idempotent.
  void Cancel() noexcept;
  /// True once Cancel was called.
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  /// Readable (POLLIN) once cancelled; never read it, it stays readable.
  int fd() const { return event_fd_.get(); }

 private:
  UniqueFd event_fd_;
  std::atomic<bool> cancelled_{false};
  static_assert(std::atomic<bool>::is_always_lock_free, "Cancel must be async-signal-safe");
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_CANCEL_TOKEN_H_
