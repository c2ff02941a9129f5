#include "parser/mount.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "parser/suggest.h"
#include "util/ascii.h"
#include "util/csv.h"
#include "util/error.h"

namespace imgbuild::parser {
namespace {

const std::vector<std::string_view> kMountKeys = {
    "type", "from", "source", "target", "readonly", "id", "sharing", "required", "size", "mode",
    "uid", "gid", "src", "dst", "destination", "ro", "rw", "readwrite", "env"};

std::vector<std::string> SplitCsv(std::string_view text) {
  if (text.empty()) Fail("empty --mount value: write e.g. --mount=type=cache,target=/root/.cache");
  return SplitCsvRecord(text);
}

// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(std::string_view text) {
  for (std::string_view yes : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == yes) return true;
  }
  for (std::string_view no : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == no) return false;
  }
  return std::nullopt;
}

// Go's strconv.ParseUint(text, base, 32).
std::optional<uint32_t> ParseUint32(std::string_view text, int base) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c >= '0' + base) return std::nullopt;
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(c - '0');
    if (value > 0xFFFFFFFF) return std::nullopt;
  }
  return static_cast<uint32_t>(value);
}

// Go's path.Clean, for cache ids and secret names.
std::string CleanPath(std::string_view path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t end = std::min(path.find('/', i), path.size());
    std::string_view part = path.substr(i, end - i);
    i = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") parts.pop_back();
      else if (!rooted) parts.push_back(part);
      continue;
    }
    parts.push_back(part);
  }
  std::string clean = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) clean += '/';
    clean += parts[k];
  }
  return clean.empty() ? "." : clean;
}

// Go's path.Base.
std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return ".";
  if (path == "/") return "/";
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// Parses one --mount value; `complete` tells whether every value was known.
class MountParser {
 public:
  MountParser(std::string_view spec, const MountValueExpander& expand) : expand_(expand) {
    mount_.spec = std::string(spec);
  }

  Mount Parse() {
    for (const std::string& field : SplitCsv(mount_.spec)) Field(field);
    Validate();
    if (type_known_ && complete_) ApplyDefaults();
    return mount_;
  }

  bool complete() const { return complete_ && type_known_; }

 private:
  bool Is(Mount::Type type) const { return type_known_ && mount_.type == type; }
  bool IsSecretOrSsh() const { return Is(Mount::Type::kSecret) || Is(Mount::Type::kSsh); }
  std::string TypeName() const { return std::string(MountTypeName(mount_.type)); }

  void Field(const std::string& field) {
    size_t equals = field.find('=');
    std::string key = AsciiLower(field.substr(0, equals));
    if (equals == std::string::npos) return BareKey(key, field);
    CheckKey(key, field);
    std::string raw_value = field.substr(equals + 1);
    std::optional<std::string> value = expand_(raw_value);
    given_.push_back(key);
    if (!value) {
      if (key == "from") Fail("'from' doesn't support variable expansion, define alias stage instead");
      if (key == "type") type_known_ = false;
      complete_ = false;
      return;
    }
    KeyValue(key, *value);
  }

  void BareKey(const std::string& key, const std::string& field) {
    if (key == "readonly" || key == "ro" || key == "readwrite" || key == "rw") {
      mount_.read_only = key == "readonly" || key == "ro";
      read_only_auto_ = false;
    } else if (key == "required") {
      CheckKey(key, field);
      mount_.required = true;
    } else {
      Fail("invalid field '{}' must be a key=value pair", field);
    }
  }

  // Keys valid for only some types are checked against the type set so
  // far, as BuildKit does: `required` before `type=secret` is an error.
  void CheckKey(const std::string& key, const std::string& field) {
    if (std::find(kMountKeys.begin(), kMountKeys.end(), key) == kMountKeys.end()) {
      std::string message = fmt::format("unexpected key '{}' in '{}'", key, field);
      std::string_view best = SuggestClosest(key, kMountKeys);
      if (!best.empty()) message += fmt::format("; did you mean {}?", best);
      Fail("{}", message);
    }
    if (!type_known_) return;
    if ((key == "required" && !IsSecretOrSsh()) || (key == "size" && !Is(Mount::Type::kTmpfs))) {
      Fail("unexpected key '{}' for mount type '{}'", key, TypeName());
    }
  }

  void KeyValue(const std::string& key, const std::string& value) {
    if (key == "type") {
      Type(value);
    } else if (key == "from") {
      mount_.from = value;
    } else if (key == "source" || key == "src") {
      mount_.source = value;
    } else if (key == "target" || key == "dst" || key == "destination") {
      mount_.target = value;
    } else if (key == "readonly" || key == "ro" || key == "readwrite" || key == "rw") {
      std::optional<bool> flag = ParseGoBool(value);
      if (!flag) Fail("invalid value for {}: {} (use true or false)", key, value);
      mount_.read_only = (key == "readonly" || key == "ro") ? *flag : !*flag;
      read_only_auto_ = false;
    } else if (key == "required") {
      std::optional<bool> flag = ParseGoBool(value);
      if (!flag) Fail("invalid value for {}: {} (use true or false)", key, value);
      mount_.required = *flag;
    } else if (key == "size") {
      try {
        mount_.size_bytes = ParseMemorySize(value);
      } catch (const Error&) {
        Fail("invalid value for size: {} (use bytes or a unit, e.g. 64m or 1g)", value);
      }
    } else if (key == "id") {
      mount_.id = value;
    } else if (key == "sharing") {
      Sharing(value);
    } else if (key == "mode") {
      mount_.mode = Number(value, 8, "mode");
    } else if (key == "uid" || key == "gid") {
      (key == "uid" ? mount_.uid : mount_.gid) = Number(value, 10, key);
    } else if (key == "env") {
      env_given_ = true;
      mount_.env = value;
    }
  }

  void Type(const std::string& value) {
    std::string lower = AsciiLower(value);
    for (Mount::Type type : {Mount::Type::kBind, Mount::Type::kCache, Mount::Type::kTmpfs,
                             Mount::Type::kSecret, Mount::Type::kSsh}) {
      if (MountTypeName(type) == lower) {
        mount_.type = type;
        type_known_ = true;
        return;
      }
    }
    std::string message = fmt::format("unsupported mount type \"{}\"", value);
    std::string_view best = SuggestClosest(lower, {"bind", "cache", "tmpfs", "secret", "ssh"});
    if (!best.empty()) message += fmt::format("; did you mean {}?", best);
    Fail("{} (use bind, cache, tmpfs, secret or ssh)", message);
  }

  void Sharing(const std::string& value) {
    std::string lower = AsciiLower(value);
    for (Mount::Sharing sharing :
         {Mount::Sharing::kShared, Mount::Sharing::kPrivate, Mount::Sharing::kLocked}) {
      if (SharingName(sharing) == lower) {
        mount_.sharing = sharing;
        return;
      }
    }
    Fail("unsupported sharing value \"{}\" (use shared, private or locked)", value);
  }

  static uint32_t Number(const std::string& value, int base, std::string_view key) {
    std::optional<uint32_t> number = ParseUint32(value, base);
    if (!number) {
      Fail("invalid value {} for {} (expected {} number)", value, key,
           base == 8 ? "an octal" : "a decimal");
    }
    return *number;
  }

  bool Given(std::initializer_list<std::string_view> keys) const {
    return std::any_of(given_.begin(), given_.end(), [&](const std::string& key) {
      return std::find(keys.begin(), keys.end(), key) != keys.end();
    });
  }

  void Validate() {
    if (!type_known_) return;
    bool file_info_allowed = Is(Mount::Type::kSecret) || Is(Mount::Type::kSsh) || Is(Mount::Type::kCache);
    for (std::string_view key : {"mode", "uid", "gid"}) {
      if (!file_info_allowed && Given({key})) {
        Fail("{} not allowed for \"{}\" type mounts", key, TypeName());
      }
    }
    if (read_only_auto_) {
      mount_.read_only = !(Is(Mount::Type::kCache) || Is(Mount::Type::kTmpfs));
    }
    if (Is(Mount::Type::kSecret)) {
      if (Given({"from"})) Fail("secret mount should not have a from");
      if (Given({"sharing"})) Fail("secret mount should not define sharing");
      if (!Given({"source", "src", "target", "dst", "destination", "id"})) {
        Fail("invalid secret mount. one of source, target required");
      }
      if (Given({"source", "src"}) && Given({"id"})) Fail("both source and id can't be set");
    }
    if (Given({"sharing"}) && !Is(Mount::Type::kCache)) {
      Fail("invalid cache sharing set for {} mount", TypeName());
    }
    if (Is(Mount::Type::kSsh) && Given({"source", "src"})) Fail("ssh does not support source");
    if (!IsSecretOrSsh() && !Given({"target", "dst", "destination"})) {
      Fail("mount type {} requires a target (add target=/path/in/container)", TypeName());
    }
  }

  void ApplyDefaults() {
    if (Is(Mount::Type::kCache) && mount_.id.empty()) mount_.id = CleanPath(mount_.target);
    if (Is(Mount::Type::kSecret)) {
      if (!mount_.source.empty()) mount_.id = mount_.source;
      if (mount_.id.empty()) mount_.id = BaseName(mount_.target);
      // `env=` without a name: the secret's id names the variable.
      if (env_given_ && mount_.env.empty()) mount_.env = mount_.id;
      if (!env_given_ && mount_.target.empty()) mount_.target = "/run/secrets/" + BaseName(mount_.id);
    }
    if (Is(Mount::Type::kSsh) && mount_.id.empty()) mount_.id = "default";
  }

  const MountValueExpander& expand_;
  Mount mount_;
  std::vector<std::string> given_;
  bool type_known_ = true;
  bool complete_ = true;
  bool read_only_auto_ = true;
  bool env_given_ = false;
};

}  // namespace

std::string_view MountTypeName(Mount::Type type) {
  switch (type) {
    case Mount::Type::kBind: return "bind";
    case Mount::Type::kCache: return "cache";
    case Mount::Type::kTmpfs: return "tmpfs";
    case Mount::Type::kSecret: return "secret";
    case Mount::Type::kSsh: return "ssh";
  }
  return "bind";
}

std::string_view SharingName(Mount::Sharing sharing) {
  switch (sharing) {
    case Mount::Sharing::kShared: return "shared";
    case Mount::Sharing::kPrivate: return "private";
    case Mount::Sharing::kLocked: return "locked";
  }
  return "shared";
}

std::vector<Mount> ParseMounts(const std::vector<std::string>& specs, const MountValueExpander& expand) {
  std::vector<Mount> mounts;
  int ssh_count = 0;
  for (const std::string& spec : specs) {
    MountParser parser(spec, expand);
    try {
      mounts.push_back(parser.Parse());
    } catch (const Error& e) {
      Fail("invalid --mount={}: {}", spec, e.what());
    }
    Mount& mount = mounts.back();
    if (parser.complete() && mount.type == Mount::Type::kSsh && mount.target.empty()) {
      mount.target = fmt::format("/run/buildkit/ssh_agent.{}", ssh_count);
    }
    if (mount.type == Mount::Type::kSsh) ++ssh_count;
  }
  return mounts;
}

uint64_t ParseMemorySize(std::string_view text) {
  // ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    return i > start;
  };
  if (!digits()) Fail("invalid size \"{}\"", text);
  while (i + 1 < text.size() && text[i] == '.' && std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
    ++i;
    digits();
  }
  std::string number(text.substr(0, i));
  if (std::count(number.begin(), number.end(), '.') > 1) Fail("invalid size \"{}\"", text);
  if (i < text.size() && text[i] == ' ') ++i;
  uint64_t multiplier = 1;
  if (i < text.size()) {
    size_t unit = std::string_view("kmgtp").find(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
    if (unit != std::string_view::npos) {
      multiplier = uint64_t{1} << (10 * (unit + 1));
      ++i;
    }
  }
  if (i < text.size() && (text[i] == 'i' || text[i] == 'I')) ++i;
  if (i < text.size() && (text[i] == 'b' || text[i] == 'B')) ++i;
  if (i != text.size()) Fail("invalid size \"{}\"", text);
  double value = 0;
  std::from_chars(number.data(), number.data() + number.size(), value);
  double size = value * static_cast<double>(multiplier);
  if (!(size < 9.2e18)) Fail("size \"{}\" is too large", text);
  return static_cast<uint64_t>(size);
}

}  // namespace imgbuild::parser
