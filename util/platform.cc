#include "util/platform.h"

#include <sys/utsname.h>

#include <vector>

#include "util/error.h"
#include "util/split.h"

namespace imgbuild {
namespace {

// Maps the names uname(2) and distributions use onto OCI's.
void NormalizeArchitecture(PlatformSpec& platform) {
  std::string& arch = platform.architecture;
  if (arch == "x86_64" || arch == "x86-64") arch = "amd64";
  else if (arch == "aarch64") arch = "arm64";
  else if (arch == "i386" || arch == "i686") arch = "386";
  else if (arch == "armhf" || arch == "armv7l") { arch = "arm"; platform.variant = "v7"; }
  else if (arch == "armel" || arch == "armv6l") { arch = "arm"; platform.variant = "v6"; }
  if (arch == "arm" && platform.variant.empty()) platform.variant = "v7";
  if (arch == "arm64" && platform.variant == "v8") platform.variant.clear();
}

}  // namespace

std::string PlatformSpec::ToString() const {
  std::string text = os + "/" + architecture;
  if (!variant.empty()) text += "/" + variant;
  return text;
}

PlatformSpec PlatformSpec::Parse(std::string_view text) {
  std::vector<std::string> parts = Split(text, '/');
  PlatformSpec platform;
  if (parts.size() == 1) {
    platform.os = "linux";
    platform.architecture = parts[0];
  } else if (parts.size() == 2 || parts.size() == 3) {
    platform.os = parts[0];
    platform.architecture = parts[1];
    if (parts.size() == 3) platform.variant = parts[2];
  } else {
    Fail("invalid platform \"{}\": expected os/arch[/variant], e.g. linux/amd64", text);
  }
  for (const std::string& part : parts) {
    if (part.empty()) Fail("invalid platform \"{}\": empty component", text);
  }
  NormalizeArchitecture(platform);
  return platform;
}

PlatformSpec PlatformSpec::Host() {
  struct utsname name {};
  uname(&name);
  PlatformSpec platform{"linux", name.machine, ""};
  NormalizeArchitecture(platform);
  return platform;
}

}  // namespace imgbuild
