// The kernel's boot ID: a random UUID chosen at every boot. Data that was
// written but not flushed can only be lost by a machine crash, which
// changes it; so "written unflushed during boot X" is as good as durable
// while the boot ID is still X.
#ifndef IMGBUILD_UTIL_BOOT_ID_H_
#define IMGBUILD_UTIL_BOOT_ID_H_

#include <string>

namespace imgbuild {

/// /proc/sys/kernel/random/boot_id without its newline, or "" when it
/// cannot be read (no /proc): then nothing may rely on it. Never throws.
std::string CurrentBootId();

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_BOOT_ID_H_
