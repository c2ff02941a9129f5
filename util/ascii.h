// Case conversion for recipe keywords, flag and option names: ASCII only,
// so it never depends on the C locale.
#ifndef IMGBUILD_UTIL_ASCII_H_
#define IMGBUILD_UTIL_ASCII_H_

#include <string>
#include <string_view>

namespace imgbuild {

/// Returns `text` with A-Z turned into a-z; every other byte is kept.
std::string AsciiLower(std::string_view text);

/// Returns `text` with a-z turned into A-Z; every other byte is kept.
std::string AsciiUpper(std::string_view text);

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_ASCII_H_
