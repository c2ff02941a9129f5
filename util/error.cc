#include "util/error.h"

#include <cerrno>
#include <cstring>

namespace imgbuild {

std::string ErrnoMessage(const std::string& what, int errnum) {
  return fmt::format("{}: {}", what, std::strerror(errnum));
}

void FailErrno(const std::string& what) {
  throw Error(ErrnoMessage(what, errno));
}

}  // namespace imgbuild
