// Linux capability sets for sandboxed processes, as Docker configures them.
// The functions are raw system calls that allocate nothing, so the sandbox
// may call them in a freshly cloned child of a multithreaded process.
#ifndef IMGBUILD_BUILDER_CAPABILITIES_H_
#define IMGBUILD_BUILDER_CAPABILITIES_H_

#include <linux/capability.h>

#include <cstdint>

namespace imgbuild::builder {

/// One bit per capability number (CAP_CHOWN is bit 0).
constexpr uint64_t CapabilityBit(int capability) { return uint64_t{1} << capability; }

/// Docker's default set (moby's oci/caps/defaults.go): what RUN gets unless
/// the build asks for more. Equals 0x00000000a80425fb.
constexpr uint64_t kDockerDefaultCapabilities =
    CapabilityBit(CAP_CHOWN) | CapabilityBit(CAP_DAC_OVERRIDE) | CapabilityBit(CAP_FSETID) |
    CapabilityBit(CAP_FOWNER) | CapabilityBit(CAP_MKNOD) | CapabilityBit(CAP_NET_RAW) |
    CapabilityBit(CAP_SETGID) | CapabilityBit(CAP_SETUID) | CapabilityBit(CAP_SETFCAP) |
    CapabilityBit(CAP_SETPCAP) | CapabilityBit(CAP_NET_BIND_SERVICE) |
    CapabilityBit(CAP_SYS_CHROOT) | CapabilityBit(CAP_KILL) | CapabilityBit(CAP_AUDIT_WRITE);

/// Drops every capability outside `keep` from the bounding set and clears the
/// ambient set. Needs CAP_SETPCAP, so call it before changing uid. Returns 0
/// or an errno value; async-signal-safe.
int RestrictBoundingSet(uint64_t keep) noexcept;

/// Sets permitted = effective = current & `keep` and an empty inheritable set.
/// Call it after setuid: a non-zero uid has already emptied permitted and
/// effective, and exec as uid 0 grants the bounding set, exactly as under
/// Docker. Returns 0 or an errno value; async-signal-safe.
int RestrictProcessCapabilities(uint64_t keep) noexcept;

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_CAPABILITIES_H_
