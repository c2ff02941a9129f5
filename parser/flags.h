// The leading `--name[=value]` flags of one instruction, checked against
// what its keyword accepts. Modelled on BuildKit's instructions/bflag.go.
#ifndef IMGBUILD_PARSER_FLAGS_H_
#define IMGBUILD_PARSER_FLAGS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "parser/ast.h"

namespace imgbuild::parser {

/// How a flag takes its value, as BuildKit's BFlags.
enum class FlagKind {
  kString,   ///< --name=value (may be empty), at most once.
  kBool,     ///< --name, --name=true or --name=false (any case), at most once.
  kStrings,  ///< --name=value, any number of times.
};

/// One flag a keyword accepts.
struct FlagSpec {
  std::string_view name;
  FlagKind kind;
};

/// One use of a flag in the recipe.
struct FlagUse {
  std::string value;  ///< "true"/"false" for a boolean flag.
  SourceLocation where;
};

/// The flags of `raw`, validated. Unused flags read as "", false or empty.
class InstructionFlags {
 public:
  /// Throws ParseError at the flag for an unknown flag (naming the keyword
  /// and what it accepts, with a suggestion for a near miss), a string
  /// flag without `=value`, a boolean flag with `=` and no value or a value
  /// other than true/false, and a repeated non-repeatable flag.
  InstructionFlags(const RawInstruction& raw, const Ast& ast, std::vector<FlagSpec> accepted);

  /// True when the recipe gave the flag.
  bool Used(std::string_view name) const;
  /// The value of a string flag; "" when not given.
  std::string String(std::string_view name) const;
  /// The value of a boolean flag; false when not given.
  bool Bool(std::string_view name) const;
  /// Every use of the flag, in recipe order.
  std::vector<FlagUse> Uses(std::string_view name) const;
  /// Where the (last) use of the flag starts; the keyword when not given.
  SourceLocation Where(std::string_view name) const;

 private:
  std::map<std::string, std::vector<FlagUse>, std::less<>> uses_;
  SourceLocation keyword_at_;
};

/// "--a, --b and --c": the names of `accepted` for messages.
std::string DescribeFlags(const std::vector<FlagSpec>& accepted);

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_FLAGS_H_
