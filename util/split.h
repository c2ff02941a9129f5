// Splitting text at a separator character.
#ifndef IMGBUILD_UTIL_SPLIT_H_
#define IMGBUILD_UTIL_SPLIT_H_

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild {

/// The pieces of `text` between occurrences of `separator`, empty pieces
/// included: "a//b" gives {"a", "", "b"}, "" gives {""}.
std::vector<std::string> Split(std::string_view text, char separator);

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_SPLIT_H_
