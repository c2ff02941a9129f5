#include "layers/json_diff.h"

#include <algorithm>

#include "util/error.h"

namespace imgbuild::layers {
namespace {

using Json = nlohmann::ordered_json;

// Comparing, like printing, recurses; real documents nest a few levels.
constexpr int kMaxDepth = 128;

std::string Text(const Json& value) {
  return value.is_string() ? value.get<std::string>()
                           : value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool IsPlainKey(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string MemberPath(const std::string& path, const std::string& key) {
  if (!IsPlainKey(key)) return path + "[" + Json(key).dump() + "]";
  return path.empty() ? key : path + "." + key;
}

struct Comparer {
  std::string_view document;
  std::vector<DocumentChange>& out;

  void Leaf(const std::string& path, const Json* a, const Json* b) {
    out.push_back({std::string(document), path,
                   a != nullptr ? std::optional(Text(*a)) : std::nullopt,
                   b != nullptr ? std::optional(Text(*b)) : std::nullopt});
  }

  void Objects(const std::string& path, const Json& a, const Json& b) {
    for (const auto& [key, value] : a.items()) {
      auto other = b.find(key);
      if (other == b.end()) Leaf(MemberPath(path, key), &value, nullptr);
      else Values(MemberPath(path, key), value, *other);
    }
    for (const auto& [key, value] : b.items()) {
      if (!a.contains(key)) Leaf(MemberPath(path, key), nullptr, &value);
    }
  }

  void Arrays(const std::string& path, const Json& a, const Json& b) {
    for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      std::string element = path + "[" + std::to_string(i) + "]";
      if (i >= b.size()) Leaf(element, &a[i], nullptr);
      else if (i >= a.size()) Leaf(element, nullptr, &b[i]);
      else Values(element, a[i], b[i]);
    }
  }

  void Values(const std::string& path, const Json& a, const Json& b) {
    if (a == b) return;
    if (a.is_object() && b.is_object()) return Objects(path, a, b);
    if (a.is_array() && b.is_array()) return Arrays(path, a, b);
    Leaf(path, &a, &b);
  }
};

}  // namespace

nlohmann::ordered_json ParseForComparison(std::string_view text, std::string_view origin) {
  auto limit_depth = [origin](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxDepth) Fail("{}: JSON nested deeper than {} levels", origin, kMaxDepth);
    return true;
  };
  try {
    return Json::parse(text, limit_depth);
  } catch (const Json::exception& e) {
    Fail("{}: invalid JSON: {}", origin, e.what());
  }
}

void CompareJson(std::string_view document, const nlohmann::ordered_json& a,
                 const nlohmann::ordered_json& b, std::vector<DocumentChange>& out) {
  Comparer{document, out}.Values("", a, b);
}

}  // namespace imgbuild::layers
