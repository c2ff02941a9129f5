// Field-by-field differences between two JSON documents (manifests,
// configs, indexes), named by their field path ("config.Env[1]",
// "history[2].created_by", "annotations[\"org.example\"]").
#ifndef IMGBUILD_LAYERS_JSON_DIFF_H_
#define IMGBUILD_LAYERS_JSON_DIFF_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace imgbuild::layers {

/// One field that differs between two documents of the same kind.
struct DocumentChange {
  std::string document{};  ///< "manifest", "config", "index"
  std::string field{};     ///< field path; "" for the document itself
  /// The value as text (strings as they are, anything else as compact
  /// JSON); nullopt where the field is absent.
  std::optional<std::string> a{};
  std::optional<std::string> b{};

  bool operator==(const DocumentChange&) const = default;
};

/// Parses a document for comparison, keeping its key order. Throws Error
/// naming `origin` for text that is not JSON or nests deeper than 128 levels.
nlohmann::ordered_json ParseForComparison(std::string_view text, std::string_view origin);

/// Appends to `out` every leaf where `a` and `b` differ, in document order:
/// objects key by key (A's keys first, then keys only B has), arrays index
/// by index (extra elements are added or removed as a whole), anything else
/// by value. Takes documents from ParseForComparison, whose depth is bounded.
void CompareJson(std::string_view document, const nlohmann::ordered_json& a,
                 const nlohmann::ordered_json& b, std::vector<DocumentChange>& out);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_JSON_DIFF_H_
