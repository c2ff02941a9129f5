// JSON in and out of the store. In: untrusted documents (manifests, configs,
// index.json from anywhere) read field by field, every error naming the
// document and the field. Out: compact, byte-stable text, because a
// document's bytes are its digest.
#ifndef IMGBUILD_LAYERS_JSON_IO_H_
#define IMGBUILD_LAYERS_JSON_IO_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace imgbuild::layers {

/// Parses untrusted JSON text without recursion limits or crashes. Throws
/// Error "<origin>: invalid JSON: <parser message>".
nlohmann::json ParseJsonDocument(std::string_view text, std::string_view origin);

/// Serialises `value` the way Go's encoding/json (used by Docker, BuildKit,
/// containerd) does: keys in the order they were inserted, no whitespace, no
/// trailing newline, '<' '>' '&' U+2028 U+2029 escaped as \u003c etc., and
/// invalid UTF-8 replaced by U+FFFD. Equal values give equal bytes.
std::string DumpCanonicalJson(const nlohmann::ordered_json& value);

/// Reads typed fields of one object inside an untrusted document. Absent
/// and null fields are treated alike, as Go does. Every method throws Error
/// "<origin>: field \"<path>\": <problem>", e.g. `manifest sha256:ab..:
/// field "layers[1].size": must be at least 0, got -1`. The reader refers to
/// the parsed document, which must outlive it.
class JsonObjectReader {
 public:
  /// Throws Error unless `value` is an object. `path` is the object's own
  /// field path ("" for the document root).
  JsonObjectReader(const nlohmann::json& value, std::string origin, std::string path = "");

  /// Whether `key` is present with a non-null value.
  bool Has(std::string_view key) const;
  /// The string at `key`; throws when absent or not a string.
  std::string String(std::string_view key) const;
  /// The string at `key`, "" when absent.
  std::string OptionalString(std::string_view key) const;
  /// The integer at `key`, which must be an integer >= `min`; throws when absent.
  int64_t Integer(std::string_view key, int64_t min) const;
  /// Like Integer, 0 when absent.
  int64_t OptionalInteger(std::string_view key, int64_t min) const;
  /// The boolean at `key`, false when absent.
  bool OptionalBool(std::string_view key) const;
  /// The array of strings at `key`, empty when absent.
  std::vector<std::string> OptionalStringList(std::string_view key) const;
  /// The object of string values at `key`, empty when absent.
  std::map<std::string, std::string> OptionalStringMap(std::string_view key) const;
  /// The keys of an object used as a set ({"80/tcp": {}}), empty when absent.
  std::set<std::string> OptionalKeySet(std::string_view key) const;
  /// The object at `key`; throws when absent or not an object.
  JsonObjectReader Object(std::string_view key) const;
  /// The object at `key`, nullopt when absent.
  std::optional<JsonObjectReader> OptionalObject(std::string_view key) const;
  /// The objects of the array at `key`; absent is an error when `required`
  /// and an empty list otherwise.
  std::vector<JsonObjectReader> ObjectList(std::string_view key, bool required) const;

  /// Throws Error about the field `key` of this object.
  [[noreturn]] void FailAt(std::string_view key, std::string_view problem) const;
  const std::string& origin() const { return origin_; }

 private:
  std::string FieldPath(std::string_view key) const;
  // The value at `key`, or nullptr when absent or null.
  const nlohmann::json* Find(std::string_view key) const;
  // The value at `key`; throws "required field is missing" when absent.
  const nlohmann::json& Require(std::string_view key) const;
  // Throws unless `value` (at `key`) has the wanted kind.
  void ExpectKind(std::string_view key, const nlohmann::json& value, bool ok,
                  std::string_view wanted) const;

  const nlohmann::json* object_;
  std::string origin_;
  std::string path_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_JSON_IO_H_
