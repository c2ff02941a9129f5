#include "builder/dockerignore.h"

#include <sys/stat.h>

#include <cerrno>

#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::builder {
namespace {

constexpr size_t kMaxIgnoreFileSize = 16 << 20;

std::string_view TrimSpace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  size_t start = text.find_first_not_of(kSpace);
  if (start == std::string_view::npos) return {};
  return text.substr(start, text.find_last_not_of(kSpace) - start + 1);
}

// moby/patternmatcher/ignorefile: a pattern relative to the context, with
// its `!` kept in front.
std::string NormalizeIgnoreLine(std::string_view line) {
  std::string_view pattern = TrimSpace(line);
  bool invert = !pattern.empty() && pattern[0] == '!';
  if (invert) pattern = TrimSpace(pattern.substr(1));
  std::string clean(pattern);
  if (!clean.empty()) {
    clean = CleanPath(clean);
    if (clean.size() > 1 && clean[0] == '/') clean.erase(0, 1);
  }
  return invert ? "!" + clean : clean;
}

// fsutil's walker: a `!` pattern ending in "/**" or "/*" still only
// re-includes below its literal prefix.
std::string_view WithoutTrailingGlob(std::string_view pattern) {
  if (pattern.ends_with("/**")) return pattern.substr(0, pattern.size() - 3);
  if (pattern.ends_with("/*")) return pattern.substr(0, pattern.size() - 2);
  return pattern;
}

bool FileExists(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  FailErrno("stat " + path);
}

}  // namespace

// patternmatcher.New: trimmed, cleaned, `!` split off and checked.
void IgnoreRules::Add(std::string_view text, std::string_view origin) {
  std::string_view trimmed = TrimSpace(text);
  if (trimmed.empty()) return;
  std::string pattern = CleanPath(trimmed);
  bool reinclude = pattern[0] == '!';
  if (reinclude) {
    if (pattern.size() == 1) Fail("{}: illegal exclusion pattern: \"!\"", origin);
    pattern.erase(0, 1);
  }
  try {
    patterns_.push_back({PathPattern(pattern), reinclude});
  } catch (const Error& error) {
    Fail("{}: {}", origin, error.what());
  }
  if (reinclude && HasWildcards(WithoutTrailingGlob(pattern))) wildcard_exceptions_ = true;
}

IgnoreRules IgnoreRules::Parse(std::string_view text, std::string_view origin) {
  IgnoreRules rules;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  size_t line_number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.starts_with('#')) continue;  // only in the first column
    std::string pattern = NormalizeIgnoreLine(line);
    if (pattern.empty()) continue;
    rules.Add(pattern, fmt::format("{}:{}", origin, line_number));
  }
  return rules;
}

IgnoreRules IgnoreRules::FromPatterns(const std::vector<std::string>& patterns,
                                      std::string_view origin) {
  IgnoreRules rules;
  for (const std::string& pattern : patterns) rules.Add(pattern, origin);
  return rules;
}

IgnoreRules IgnoreRules::ForBuild(const std::string& context_dir, const std::string& recipe_path) {
  std::string file;
  if (!recipe_path.empty() && recipe_path != "-" && FileExists(recipe_path + ".dockerignore")) {
    file = recipe_path + ".dockerignore";
  } else if (FileExists(context_dir + "/.dockerignore")) {
    file = context_dir + "/.dockerignore";
  } else {
    return IgnoreRules();
  }
  return Parse(ReadFileToString(file, kMaxIgnoreFileSize), file);
}

IgnoreRules::State IgnoreRules::Check(std::string_view path, const State& parent) const {
  State state;
  state.matched.resize(patterns_.size());
  for (size_t i = 0; i < patterns_.size(); ++i) {
    const Pattern& pattern = patterns_[i];
    bool match = !parent.matched.empty() && parent.matched[i];
    if (!match) {
      // A pattern that cannot change the outcome is not tried, and then
      // does not count as matched for the children either (BuildKit's quirk).
      if (pattern.reinclude != state.excluded) continue;
      match = pattern.matcher.Matches(path);
    }
    state.matched[i] = match;
    if (match) state.excluded = !pattern.reinclude;
  }
  return state;
}

IgnoreRules::State IgnoreRules::StateOf(std::string_view path) const {
  State state;
  if (patterns_.empty() || path.empty()) return state;
  size_t end = 0;
  while (true) {
    end = path.find('/', end);
    state = Check(path.substr(0, end), state);
    if (end == std::string_view::npos) return state;
    ++end;
  }
}

bool IgnoreRules::Excluded(std::string_view path) const {
  if (patterns_.empty() || path.empty()) return false;
  State state;
  size_t end = 0;
  while (true) {
    end = path.find('/', end);
    std::string_view prefix = path.substr(0, end);
    state = Check(prefix, state);
    if (end == std::string_view::npos) return state.excluded;
    if (state.excluded && !MayReincludeBelow(prefix)) return true;
    ++end;
  }
}

bool IgnoreRules::MayReincludeBelow(std::string_view dir) const {
  if (wildcard_exceptions_) return true;
  std::string dir_slash = std::string(dir) + "/";
  for (const Pattern& pattern : patterns_) {
    if (!pattern.reinclude) continue;
    std::string literal = std::string(WithoutTrailingGlob(pattern.matcher.text())) + "/";
    if (literal.starts_with(dir_slash)) return true;
  }
  return false;
}

}  // namespace imgbuild::builder
