// OCI platforms ("linux/amd64", "linux/arm/v7"), shared by the parser's
// automatic ARGs and, later, image selection.
#ifndef IMGBUILD_PARSER_PLATFORM_H_
#define IMGBUILD_PARSER_PLATFORM_H_

#include <string>
#include <string_view>

namespace imgbuild::parser {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;

  /// "os/arch" or "os/arch/variant".
  std::string ToString() const;
  /// Parses "os/arch[/variant]" or "arch"; normalises aliases (x86_64 ->
  /// amd64, aarch64 -> arm64, armhf -> arm/v7). Throws Error naming `text`.
  static Platform Parse(std::string_view text);
  /// The machine imgbuild runs on.
  static Platform Host();

  bool operator==(const Platform&) const = default;
};

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_PLATFORM_H_
