#include "util/boot_id.h"

#include <fstream>

namespace imgbuild {

std::string CurrentBootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  if (!std::getline(in, id)) return "";
  return id;
}

}  // namespace imgbuild
