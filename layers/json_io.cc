#include "layers/json_io.h"

#include <limits>

#include "util/error.h"

namespace imgbuild::layers {
namespace {

// Escapes what Go's json.Marshal escapes beyond the JSON minimum. These
// bytes only ever occur inside strings of the dumped text, so a byte-level
// rewrite is exact.
std::string EscapeLikeGo(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool line_separator = c == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
                          (text[i + 2] == '\xa8' || text[i + 2] == '\xa9');
    if (line_separator) {
      out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
      continue;
    }
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Describe(const nlohmann::json& value) {
  if (value.is_number_integer()) return "integer " + value.dump();
  if (value.is_number_float()) return "number " + value.dump();
  return value.type_name();
}

}  // namespace

nlohmann::json ParseJsonDocument(std::string_view text, std::string_view origin) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    std::string message = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
    size_t bracket = message.find("] ");
    if (bracket != std::string::npos) message = message.substr(bracket + 2);
    Fail("{}: invalid JSON: {}", origin, message);
  }
}

std::string DumpCanonicalJson(const nlohmann::ordered_json& value) {
  return EscapeLikeGo(value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

JsonObjectReader::JsonObjectReader(const nlohmann::json& value, std::string origin,
                                   std::string path)
    : object_(&value), origin_(std::move(origin)), path_(std::move(path)) {
  if (value.is_object()) return;
  if (path_.empty()) Fail("{}: expected a JSON object, got {}", origin_, Describe(value));
  Fail("{}: field \"{}\": expected an object, got {}", origin_, path_, Describe(value));
}

std::string JsonObjectReader::FieldPath(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonObjectReader::FailAt(std::string_view key, std::string_view problem) const {
  Fail("{}: field \"{}\": {}", origin_, FieldPath(key), problem);
}

const nlohmann::json* JsonObjectReader::Find(std::string_view key) const {
  auto it = object_->find(std::string(key));
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

const nlohmann::json& JsonObjectReader::Require(std::string_view key) const {
  const nlohmann::json* value = Find(key);
  if (value == nullptr) FailAt(key, "required field is missing");
  return *value;
}

void JsonObjectReader::ExpectKind(std::string_view key, const nlohmann::json& value, bool ok,
                                  std::string_view wanted) const {
  if (!ok) FailAt(key, fmt::format("expected {}, got {}", wanted, Describe(value)));
}

bool JsonObjectReader::Has(std::string_view key) const {
  return Find(key) != nullptr;
}

std::string JsonObjectReader::String(std::string_view key) const {
  const nlohmann::json& value = Require(key);
  ExpectKind(key, value, value.is_string(), "a string");
  return value.get<std::string>();
}

std::string JsonObjectReader::OptionalString(std::string_view key) const {
  return Has(key) ? String(key) : "";
}

int64_t JsonObjectReader::Integer(std::string_view key, int64_t min) const {
  const nlohmann::json& value = Require(key);
  ExpectKind(key, value, value.is_number_integer(), "an integer");
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    FailAt(key, fmt::format("{} is too large", value.dump()));
  }
  int64_t number = value.get<int64_t>();
  if (number < min) FailAt(key, fmt::format("must be at least {}, got {}", min, number));
  return number;
}

int64_t JsonObjectReader::OptionalInteger(std::string_view key, int64_t min) const {
  return Has(key) ? Integer(key, min) : 0;
}

bool JsonObjectReader::OptionalBool(std::string_view key) const {
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return false;
  ExpectKind(key, *value, value->is_boolean(), "a boolean");
  return value->get<bool>();
}

std::vector<std::string> JsonObjectReader::OptionalStringList(std::string_view key) const {
  std::vector<std::string> list;
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return list;
  ExpectKind(key, *value, value->is_array(), "an array of strings");
  for (size_t i = 0; i < value->size(); ++i) {
    const nlohmann::json& item = (*value)[i];
    ExpectKind(fmt::format("{}[{}]", key, i), item, item.is_string(), "a string");
    list.push_back(item.get<std::string>());
  }
  return list;
}

std::map<std::string, std::string> JsonObjectReader::OptionalStringMap(std::string_view key) const {
  std::map<std::string, std::string> map;
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return map;
  ExpectKind(key, *value, value->is_object(), "an object of strings");
  for (const auto& [name, item] : value->items()) {
    ExpectKind(fmt::format("{}.{}", key, name), item, item.is_string(), "a string");
    map.emplace(name, item.get<std::string>());
  }
  return map;
}

std::set<std::string> JsonObjectReader::OptionalKeySet(std::string_view key) const {
  std::set<std::string> keys;
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return keys;
  ExpectKind(key, *value, value->is_object(), "an object");
  for (const auto& [name, item] : value->items()) {
    ExpectKind(fmt::format("{}.{}", key, name), item, item.is_object() || item.is_null(), "{}");
    keys.insert(name);
  }
  return keys;
}

JsonObjectReader JsonObjectReader::Object(std::string_view key) const {
  return JsonObjectReader(Require(key), origin_, FieldPath(key));
}

std::optional<JsonObjectReader> JsonObjectReader::OptionalObject(std::string_view key) const {
  if (!Has(key)) return std::nullopt;
  return Object(key);
}

std::vector<JsonObjectReader> JsonObjectReader::ObjectList(std::string_view key,
                                                           bool required) const {
  std::vector<JsonObjectReader> list;
  const nlohmann::json* value = required ? &Require(key) : Find(key);
  if (value == nullptr) return list;
  ExpectKind(key, *value, value->is_array(), "an array of objects");
  for (size_t i = 0; i < value->size(); ++i) {
    list.emplace_back((*value)[i], origin_, fmt::format("{}[{}]", FieldPath(key), i));
  }
  return list;
}

}  // namespace imgbuild::layers
