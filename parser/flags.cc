#include "parser/flags.h"

#include <algorithm>

#include "parser/suggest.h"
#include "util/ascii.h"

namespace imgbuild::parser {
namespace {

std::string UnknownFlagMessage(const RawFlag& flag, std::string_view keyword,
                               const std::vector<FlagSpec>& accepted) {
  std::string message = fmt::format("unknown flag --{} for {}", flag.name, keyword);
  if (accepted.empty()) return message + fmt::format(": {} takes no flags", keyword);
  std::vector<std::string_view> names;
  for (const FlagSpec& spec : accepted) names.push_back(spec.name);
  std::string_view best = SuggestClosest(flag.name, names);
  if (!best.empty()) message += fmt::format("; did you mean --{}?", best);
  return message + fmt::format(" ({} accepts {})", keyword, DescribeFlags(accepted));
}

}  // namespace

std::string DescribeFlags(const std::vector<FlagSpec>& accepted) {
  std::string text;
  for (size_t i = 0; i < accepted.size(); ++i) {
    if (i > 0) text += i + 1 == accepted.size() ? " and " : ", ";
    text += fmt::format("--{}", accepted[i].name);
  }
  return text;
}

InstructionFlags::InstructionFlags(const RawInstruction& raw, const Ast& ast,
                                   std::vector<FlagSpec> accepted)
    : keyword_at_(raw.keyword_at) {
  for (const RawFlag& flag : raw.flags) {
    auto spec = std::find_if(accepted.begin(), accepted.end(),
                             [&](const FlagSpec& s) { return s.name == flag.name; });
    if (spec == accepted.end()) {
      throw ast.ErrorAt(flag.where, UnknownFlagMessage(flag, raw.keyword, accepted));
    }
    auto& uses = uses_[flag.name];
    if (!uses.empty() && spec->kind != FlagKind::kStrings) {
      throw ast.ErrorAt(flag.where, fmt::format("duplicate flag specified: --{} may be given "
                                                "only once to {}",
                                                flag.name, raw.keyword));
    }
    FlagUse use{flag.value.value_or(""), flag.where};
    if (spec->kind == FlagKind::kBool) {
      std::string lower = AsciiLower(use.value);
      if (flag.value && flag.value->empty()) {
        throw ast.ErrorAt(flag.where, fmt::format("missing a value on flag --{}: write --{} or "
                                                  "--{}=true|false",
                                                  flag.name, flag.name, flag.name));
      }
      if (!flag.value) lower = "true";
      if (lower != "true" && lower != "false") {
        throw ast.ErrorAt(flag.where, fmt::format("expecting boolean value for flag --{}, not: {}",
                                                  flag.name, use.value));
      }
      use.value = lower;
    } else if (!flag.value) {
      throw ast.ErrorAt(flag.where, fmt::format("missing a value on flag --{}: write --{}=VALUE",
                                                flag.name, flag.name));
    }
    uses.push_back(std::move(use));
  }
}

bool InstructionFlags::Used(std::string_view name) const { return uses_.find(name) != uses_.end(); }

std::string InstructionFlags::String(std::string_view name) const {
  auto it = uses_.find(name);
  return it == uses_.end() ? "" : it->second.back().value;
}

bool InstructionFlags::Bool(std::string_view name) const { return String(name) == "true"; }

std::vector<FlagUse> InstructionFlags::Uses(std::string_view name) const {
  auto it = uses_.find(name);
  return it == uses_.end() ? std::vector<FlagUse>{} : it->second;
}

SourceLocation InstructionFlags::Where(std::string_view name) const {
  auto it = uses_.find(name);
  return it == uses_.end() ? keyword_at_ : it->second.back().where;
}

}  // namespace imgbuild::parser
