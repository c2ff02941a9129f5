// The value of COPY/ADD --chmod: octal as BuildKit has always taken it,
// or symbolic as chmod(1) writes it.
#ifndef IMGBUILD_PARSER_CHMOD_H_
#define IMGBUILD_PARSER_CHMOD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::parser {

/// A --chmod value: octal ("755", "0644", at most 07777) or symbolic as
/// chmod(1): comma-separated clauses `[ugoa]*([-+=]([rwxXst]*|[ugo]))+`
/// ("u=rwx,g=rx,o=", "+x", "a-w", "u+X", "go-w", "g=u"). Validated when
/// parsed. Unlike chmod(1), no umask applies: "+x" means "a+x", so the
/// result depends on nothing but the file.
class ChmodSpec {
 public:
  /// Throws Error naming `text` when it is neither form.
  static ChmodSpec Parse(std::string_view text);

  /// The permission bits (07777 at most) of a file whose current mode is
  /// `mode` (file type bits are ignored) after applying this spec. Octal
  /// replaces the bits; symbolic clauses apply left to right, and `X`
  /// counts as `x` only for a directory or when some execute bit is set.
  uint32_t Apply(uint32_t mode, bool is_directory) const;

  /// The value as written.
  const std::string& text() const { return text_; }
  /// True for the octal form, whose result does not depend on the file.
  bool is_octal() const { return octal_.has_value(); }

 private:
  std::string text_;
  std::optional<uint32_t> octal_;
};

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_CHMOD_H_
