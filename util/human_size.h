// Byte counts for people.
#ifndef IMGBUILD_UTIL_HUMAN_SIZE_H_
#define IMGBUILD_UTIL_HUMAN_SIZE_H_

#include <cstdint>
#include <string>

namespace imgbuild {

/// "512 B", "1.5 KiB", "3.0 GiB": binary units, one decimal.
std::string HumanSize(int64_t bytes);

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_HUMAN_SIZE_H_
