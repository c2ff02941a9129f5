// SIGINT and SIGTERM as cancellation: while a SignalCancellation lives, the
// signals cancel a CancelToken (async-signal-safely) instead of killing the
// process, so a build can stop its sandboxes, unmount and clean up first.
#ifndef IMGBUILD_BUILDER_SIGNAL_CANCEL_H_
#define IMGBUILD_BUILDER_SIGNAL_CANCEL_H_

#include <signal.h>

#include "builder/cancel_token.h"

namespace imgbuild::builder {

class SignalCancellation {
 public:
  /// Installs the handlers; `token` must outlive this object. Only one may
  /// exist at a time. Throws Error when sigaction fails.
  explicit SignalCancellation(CancelToken& token);
  /// Restores the previous handlers.
  ~SignalCancellation();
  SignalCancellation(const SignalCancellation&) = delete;
  SignalCancellation& operator=(const SignalCancellation&) = delete;

  /// The first signal that arrived (SIGINT or SIGTERM), 0 when none did.
  int received() const;

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

/// The exit status of a process stopped by `signal`, as shells report it:
/// 128 + signal (130 for SIGINT, 143 for SIGTERM).
int ExitStatusForSignal(int signal);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_SIGNAL_CANCEL_H_
