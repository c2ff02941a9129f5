#include "util/split.h"

namespace imgbuild {

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t found = text.find(separator, start);
    parts.emplace_back(text.substr(start, found - start));
    if (found == std::string_view::npos) return parts;
    start = found + 1;
  }
}

}  // namespace imgbuild
