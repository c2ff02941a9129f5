// RUN --mount values: BuildKit's CSV syntax, every option of every mount
// type, and the defaults BuildKit fills in. Modelled on BuildKit's
// instructions/commands_runmount.go and dockerfile2llb/convert_runmount.go.
#ifndef IMGBUILD_PARSER_MOUNT_H_
#define IMGBUILD_PARSER_MOUNT_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/instructions.h"

namespace imgbuild::parser {

/// Gives the value of one `key=value` option after variable expansion, or
/// nullopt when it cannot be known yet (it uses a variable and this is
/// the parse before expansion). Throws ExpansionError.
using MountValueExpander = std::function<std::optional<std::string>(std::string_view value)>;

/// Parses the --mount values of one RUN, in order. Option names are case
/// insensitive; values go through `expand`. Checks what BuildKit checks
/// (unknown types, keys, sharing modes, bad numbers and sizes, options
/// that do not fit the type, a secret without id/source/target) and that
/// bind, cache and tmpfs mounts have a target. When every value is known
/// it fills BuildKit's defaults: read-only for bind, secret and ssh; a
/// cache id equal to the target; a secret id from source or the target's
/// base name and target /run/secrets/<id> unless exposed only as env; ssh
/// id "default" and target /run/buildkit/ssh_agent.<n>, n counting the
/// ssh mounts of this RUN. Throws Error (with the --mount value quoted).
std::vector<Mount> ParseMounts(const std::vector<std::string>& specs,
                               const MountValueExpander& expand);

/// Parses a size with docker/go-units RAMInBytes rules: a decimal number,
/// an optional space, then an optional binary unit k, m, g, t, p (any
/// case, optionally followed by "i" and/or "b"): "64m", "1.5g", "512",
/// "100MiB". Throws Error.
uint64_t ParseMemorySize(std::string_view text);

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_MOUNT_H_
