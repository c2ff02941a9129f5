// What differs between two entries at one path, field by field, and between
// two layers entry by entry. Values are text so that reports and JSON show
// them the same way: modes in octal, times in RFC 3339, digests in full.
#ifndef IMGBUILD_LAYERS_FILE_CHANGE_H_
#define IMGBUILD_LAYERS_FILE_CHANGE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/layer_index.h"

namespace imgbuild::layers {

/// One field whose values differ; nullopt where a side lacks the field (an
/// xattr only one entry has).
struct FieldChange {
  /// "type", "size", "content", "link", "device", "mode", "uid", "gid",
  /// "xattr NAME" or "mtime".
  std::string field{};
  std::optional<std::string> a{};
  std::optional<std::string> b{};

  bool operator==(const FieldChange&) const = default;
};

/// The fields of two entries that differ, most telling first (the order of
/// the list in FieldChange::field). Entries of different types compare only
/// their type and the fields both types have (mode, owner, xattrs, mtime).
std::vector<FieldChange> CompareEntries(const LayerEntry& a, const LayerEntry& b);

/// A path that differs between two trees (two layers, or two final root file
/// systems).
struct FileChange {
  std::string path{};               ///< as the image shows it: "/etc/passwd"
  std::optional<LayerEntry> a{};    ///< absent: only B has the path
  std::optional<LayerEntry> b{};    ///< absent: only A has the path
  std::optional<size_t> layer_a{};  ///< the layer A's version (or removal) comes from
  std::optional<size_t> layer_b{};
  std::vector<FieldChange> fields{};  ///< both present: CompareEntries(a, b)
};

/// "added" (only B has it), "removed" (only A has it) or "changed".
std::string_view ChangeKindName(const FileChange& change);

/// "/" + a clean relative layer path.
std::string ImagePath(std::string_view clean_path);

/// Orders changes most telling first (type, then content, then paths only
/// one side has, then links and devices, modes, owners, xattrs, mtimes),
/// then by path.
void SortByImportance(std::vector<FileChange>& changes);

/// Compares two sorted entry lists (LayerIndex::entries) path by path; the
/// changes are in path order and carry no layer numbers.
std::vector<FileChange> CompareEntryLists(const std::vector<LayerEntry>& a,
                                          const std::vector<LayerEntry>& b);

/// An xattr value as text: as it is when printable ASCII, else "0x" + hex.
std::string FormatXattrValue(const std::string& value);

/// "2024-01-02T03:04:05Z", with nanoseconds when there are any.
std::string FormatTime(int64_t seconds, int64_t nanoseconds);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_FILE_CHANGE_H_
