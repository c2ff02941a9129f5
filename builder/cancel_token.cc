#include "builder/cancel_token.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "util/error.h"

namespace imgbuild::builder {

CancelToken::CancelToken() : event_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!event_fd_.valid()) FailErrno("create the cancellation eventfd");
}

void CancelToken::Cancel() noexcept {
  cancelled_.store(true, std::memory_order_release);
  uint64_t one = 1;
  // Cannot fail short of a counter overflow, which would still leave it readable.
  [[maybe_unused]] ssize_t ignored = ::write(event_fd_.get(), &one, sizeof(one));
}

}  // namespace imgbuild::builder
