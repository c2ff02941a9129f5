#include "layers/file_change.h"

#include <time.h>

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace imgbuild::layers {
namespace {

// Field ranks for SortByImportance; a change ranks as its most telling field.
constexpr int kRankType = 0;
constexpr int kRankContent = 1;
constexpr int kRankOneSided = 2;
constexpr int kRankLink = 3;
constexpr int kRankMode = 4;
constexpr int kRankOwner = 5;
constexpr int kRankXattr = 6;
constexpr int kRankMtime = 7;

int FieldRank(std::string_view field) {
  if (field == "type") return kRankType;
  if (field == "size" || field == "content") return kRankContent;
  if (field == "link" || field == "device") return kRankLink;
  if (field == "mode") return kRankMode;
  if (field == "uid" || field == "gid") return kRankOwner;
  if (field == "mtime") return kRankMtime;
  return kRankXattr;
}

int ChangeRank(const FileChange& change) {
  if (!change.a || !change.b) return kRankOneSided;
  int rank = kRankMtime;
  for (const FieldChange& field : change.fields) rank = std::min(rank, FieldRank(field.field));
  return rank;
}

std::optional<std::string> Device(const LayerEntry& entry) {
  if (entry.type != EntryType::kCharDevice && entry.type != EntryType::kBlockDevice) {
    return std::nullopt;
  }
  return fmt::format("{}:{}", entry.device_major, entry.device_minor);
}

std::optional<std::string> Link(const LayerEntry& entry) {
  if (entry.type != EntryType::kSymlink && entry.type != EntryType::kHardlink) return std::nullopt;
  return entry.link_target;
}

std::optional<std::string> Content(const LayerEntry& entry) {
  if (!entry.content) return std::nullopt;
  return entry.content->ToString();
}

std::optional<std::string> Size(const LayerEntry& entry) {
  if (entry.type != EntryType::kFile) return std::nullopt;
  return std::to_string(entry.size);
}

void AddIfDifferent(std::vector<FieldChange>& out, std::string field,
                    std::optional<std::string> a, std::optional<std::string> b) {
  if (a != b) out.push_back({std::move(field), std::move(a), std::move(b)});
}

void CompareXattrs(const LayerEntry& a, const LayerEntry& b, std::vector<FieldChange>& out) {
  std::map<std::string, std::pair<std::optional<std::string>, std::optional<std::string>>> both;
  for (const Xattr& xattr : a.xattrs) both[xattr.name].first = FormatXattrValue(xattr.value);
  for (const Xattr& xattr : b.xattrs) both[xattr.name].second = FormatXattrValue(xattr.value);
  for (auto& [name, values] : both) {
    AddIfDifferent(out, "xattr " + name, std::move(values.first), std::move(values.second));
  }
}

}  // namespace

std::string FormatXattrValue(const std::string& value) {
  bool printable = std::all_of(value.begin(), value.end(),
                               [](char c) { return c >= 0x20 && c < 0x7f; });
  if (printable) return value;
  std::string hex = "0x";
  for (unsigned char c : value) hex += fmt::format("{:02x}", c);
  return hex;
}

std::string FormatTime(int64_t seconds, int64_t nanoseconds) {
  time_t time = static_cast<time_t>(seconds);
  struct tm parts {};
  if (gmtime_r(&time, &parts) == nullptr) return fmt::format("@{}", seconds);
  std::string text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", parts.tm_year + 1900,
                                 parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min,
                                 parts.tm_sec);
  if (nanoseconds != 0) text += fmt::format(".{:09}", nanoseconds);
  return text + "Z";
}

std::vector<FieldChange> CompareEntries(const LayerEntry& a, const LayerEntry& b) {
  std::vector<FieldChange> out;
  AddIfDifferent(out, "type", std::string(EntryTypeName(a.type)),
                 std::string(EntryTypeName(b.type)));
  if (a.type == b.type) {
    AddIfDifferent(out, "size", Size(a), Size(b));
    AddIfDifferent(out, "content", Content(a), Content(b));
    AddIfDifferent(out, "link", Link(a), Link(b));
    AddIfDifferent(out, "device", Device(a), Device(b));
  }
  AddIfDifferent(out, "mode", fmt::format("{:04o}", a.mode), fmt::format("{:04o}", b.mode));
  AddIfDifferent(out, "uid", std::to_string(a.uid), std::to_string(b.uid));
  AddIfDifferent(out, "gid", std::to_string(a.gid), std::to_string(b.gid));
  CompareXattrs(a, b, out);
  AddIfDifferent(out, "mtime", FormatTime(a.mtime, a.mtime_nsec),
                 FormatTime(b.mtime, b.mtime_nsec));
  return out;
}

std::string_view ChangeKindName(const FileChange& change) {
  if (!change.a) return "added";
  if (!change.b) return "removed";
  return "changed";
}

std::string ImagePath(std::string_view clean_path) { return "/" + std::string(clean_path); }

void SortByImportance(std::vector<FileChange>& changes) {
  std::stable_sort(changes.begin(), changes.end(), [](const FileChange& x, const FileChange& y) {
    return std::forward_as_tuple(ChangeRank(x), x.path) <
           std::forward_as_tuple(ChangeRank(y), y.path);
  });
}

std::vector<FileChange> CompareEntryLists(const std::vector<LayerEntry>& a,
                                          const std::vector<LayerEntry>& b) {
  std::vector<FileChange> changes;
  auto ia = a.begin(), ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    bool take_a = ib == b.end() || (ia != a.end() && ia->path <= ib->path);
    bool take_b = ia == a.end() || (ib != b.end() && ib->path <= ia->path);
    FileChange change{.path = ImagePath(take_a ? ia->path : ib->path)};
    if (take_a && take_b) {
      change.fields = CompareEntries(*ia, *ib);
      if (change.fields.empty()) {
        ++ia, ++ib;
        continue;
      }
    }
    if (take_a) change.a = *ia++;
    if (take_b) change.b = *ib++;
    changes.push_back(std::move(change));
  }
  return changes;
}

}  // namespace imgbuild::layers
