#include "builder/signal_cancel.h"

#include <atomic>

#include "util/error.h"

namespace imgbuild::builder {
namespace {

std::atomic<CancelToken*> g_token{nullptr};
std::atomic<int> g_signal{0};
static_assert(std::atomic<CancelToken*>::is_always_lock_free);
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void OnCancelSignal(int signal) {
  int none = 0;
  g_signal.compare_exchange_strong(none, signal);
  if (CancelToken* token = g_token.load()) token->Cancel();
}

}  // namespace

SignalCancellation::SignalCancellation(CancelToken& token) {
  if (g_token.exchange(&token) != nullptr) Fail("internal error: two SignalCancellations at once");
  g_signal = 0;
  struct sigaction action {};
  action.sa_handler = OnCancelSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (sigaction(SIGINT, &action, &previous_int_) != 0 ||
      sigaction(SIGTERM, &action, &previous_term_) != 0) {
    g_token = nullptr;
    FailErrno("install the SIGINT/SIGTERM handlers");
  }
}

SignalCancellation::~SignalCancellation() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
  g_token = nullptr;
}

int SignalCancellation::received() const { return g_signal.load(); }

int ExitStatusForSignal(int signal) { return 128 + signal; }

}  // namespace imgbuild::builder
