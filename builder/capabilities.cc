#include "builder/capabilities.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace imgbuild::builder {
namespace {

static_assert(kDockerDefaultCapabilities == 0xa80425fbULL);

// Capability numbers beyond the running kernel's last one make
// PR_CAPBSET_READ fail with EINVAL; 64 bounds the loop for any kernel.
constexpr int kCapabilityLimit = 64;

}  // namespace

int RestrictBoundingSet(uint64_t keep) noexcept {
  for (int capability = 0; capability < kCapabilityLimit; ++capability) {
    int present = prctl(PR_CAPBSET_READ, capability, 0, 0, 0);
    if (present < 0) break;  // past the kernel's last capability
    if (present == 1 && (keep & CapabilityBit(capability)) == 0 &&
        prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0) {
      return errno;
    }
  }
  return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == 0 ? 0 : errno;
}

int RestrictProcessCapabilities(uint64_t keep) noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return errno;
  for (int word = 0; word < _LINUX_CAPABILITY_U32S_3; ++word) {
    auto keep_word = static_cast<uint32_t>(keep >> (32 * word));
    data[word].permitted &= keep_word;
    data[word].effective &= keep_word;
    data[word].inheritable = 0;
  }
  return syscall(SYS_capset, &header, data) == 0 ? 0 : errno;
}

}  // namespace imgbuild::builder
