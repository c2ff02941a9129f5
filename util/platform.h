// OCI platforms as users name them ("linux/amd64", "linux/arm/v7"), shared
// by the parser's automatic ARGs and the registry's image selection.
#ifndef IMGBUILD_UTIL_PLATFORM_H_
#define IMGBUILD_UTIL_PLATFORM_H_

#include <string>
#include <string_view>

namespace imgbuild {

struct PlatformSpec {
  std::string os;
  std::string architecture;
  std::string variant;

  /// "os/arch" or "os/arch/variant".
  std::string ToString() const;
  /// Parses "os/arch[/variant]" or "arch"; normalises aliases (x86_64 ->
  /// amd64, aarch64 -> arm64, armhf -> arm/v7). Throws Error naming `text`.
  static PlatformSpec Parse(std::string_view text);
  /// The machine imgbuild runs on.
  static PlatformSpec Host();

  bool operator==(const PlatformSpec&) const = default;
};

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_PLATFORM_H_
