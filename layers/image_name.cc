#include "layers/image_name.h"

#include <vector>

#include "util/error.h"
#include "util/split.h"

namespace imgbuild::layers {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool IsWordChar(char c) {
  return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

// Docker's rule: the first component is a registry host when it contains '.'
// or ':', is "localhost", or has upper-case letters.
bool LooksLikeDomain(std::string_view component) {
  if (component.find_first_of(".:") != std::string_view::npos || component == "localhost") {
    return true;
  }
  for (char c : component) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

// "" when `component` matches [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*, else why not.
std::string PathComponentProblem(std::string_view component) {
  if (component.empty()) return "empty path component";
  for (size_t i = 0; i < component.size(); ++i) {
    char c = component[i];
    if (IsLowerAlnum(c)) continue;
    if (c >= 'A' && c <= 'Z') return "repository name must be lowercase";
    if (c != '.' && c != '_' && c != '-') {
      return fmt::format("'{}' is not allowed in a repository name", c);
    }
    size_t run = component.find_first_not_of(c, i);
    size_t length = (run == std::string_view::npos ? component.size() : run) - i;
    bool ok = i > 0 && run != std::string_view::npos && IsLowerAlnum(component[run]) &&
              (c == '-' || length == 1 || (c == '_' && length == 2));
    if (!ok) return fmt::format("\"{}\" has a misplaced separator", component);
    i += length - 1;
  }
  return "";
}

std::string DomainProblem(std::string_view domain) {
  if (domain.empty()) return "empty registry host";
  for (char c : domain) {
    bool ok = IsWordChar(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok || c == '_') return fmt::format("'{}' is not allowed in a registry host", c);
  }
  size_t colon = domain.rfind(':');
  size_t bracket = domain.rfind(']');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    return "";
  }
  std::string_view port = domain.substr(colon + 1);
  if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
    return fmt::format("registry port \"{}\" is not a number", port);
  }
  return "";
}

std::string TagProblem(std::string_view tag) {
  if (tag.empty()) return "empty tag";
  if (tag.size() > kMaxTagLength) {
    return fmt::format("tag longer than {} characters", kMaxTagLength);
  }
  if (!IsWordChar(tag[0])) return "a tag must start with a letter, digit or '_'";
  for (char c : tag) {
    if (!IsWordChar(c) && c != '.' && c != '-') {
      return fmt::format("'{}' is not allowed in a tag", c);
    }
  }
  return "";
}

// Fills everything but the tag, or returns why `name` is invalid.
std::string ParseRepository(std::string_view name, ImageName* image) {
  std::vector<std::string> parts = Split(name, '/');
  if (parts.size() > 1 && LooksLikeDomain(parts[0])) {
    image->domain = parts[0];
    if (std::string problem = DomainProblem(parts[0]); !problem.empty()) return problem;
    parts.erase(parts.begin());
  }
  for (const std::string& part : parts) {
    if (std::string problem = PathComponentProblem(part); !problem.empty()) return problem;
  }
  image->path = std::string(name.substr(image->domain.empty() ? 0 : image->domain.size() + 1));
  return "";
}

}  // namespace

ImageName ImageName::Parse(std::string_view text) {
  auto fail = [&](const std::string& problem) {
    Fail("invalid image name \"{}\": {}", text, problem);
  };
  if (text.find('@') != std::string_view::npos) {
    fail("a digest reference cannot name a stored image; give a tag");
  }
  size_t slash = text.rfind('/');
  size_t colon = text.rfind(':');
  bool has_tag =
      colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  std::string_view name = has_tag ? text.substr(0, colon) : text;
  if (name.empty()) fail("empty name");
  if (name.size() > kMaxNameLength) fail(fmt::format("longer than {} characters", kMaxNameLength));
  ImageName image;
  if (std::string problem = ParseRepository(name, &image); !problem.empty()) fail(problem);
  image.tag = has_tag ? std::string(text.substr(colon + 1)) : "latest";
  if (std::string problem = TagProblem(image.tag); !problem.empty()) fail(problem);
  return image;
}

std::optional<ImageName> ImageName::TryParse(std::string_view text) {
  try {
    return Parse(text);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string ImageName::ToString() const {
  return (domain.empty() ? "" : domain + "/") + path + ":" + tag;
}

std::string ImageName::FullyQualified() const {
  if (!domain.empty()) return ToString();
  bool official = path.find('/') == std::string::npos;
  return "docker.io/" + std::string(official ? "library/" : "") + path + ":" + tag;
}

std::string ImageName::Familiar() const {
  if (domain != "docker.io" && domain != "index.docker.io") return ToString();
  std::string_view short_path = path;
  // "library/" is dropped only where Docker drops it: before a single component.
  if (short_path.starts_with("library/") && short_path.find('/', 8) == std::string_view::npos) {
    short_path.remove_prefix(8);
  }
  return std::string(short_path) + ":" + tag;
}

}  // namespace imgbuild::layers
