#include "layers/layer_index.h"

#include <archive_entry.h>

#include <algorithm>
#include <array>

#include "layers/layer_reader.h"
#include "layers/safe_path.h"
#include "layers/whiteout.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

EntryType TypeOf(archive_entry* entry, LayerNameKind kind) {
  if (kind == LayerNameKind::kWhiteout) return EntryType::kWhiteout;
  if (kind == LayerNameKind::kOpaque) return EntryType::kOpaque;
  if (archive_entry_hardlink(entry) != nullptr) return EntryType::kHardlink;
  switch (archive_entry_filetype(entry)) {
    case AE_IFDIR: return EntryType::kDirectory;
    case AE_IFLNK: return EntryType::kSymlink;
    case AE_IFCHR: return EntryType::kCharDevice;
    case AE_IFBLK: return EntryType::kBlockDevice;
    case AE_IFIFO: return EntryType::kFifo;
    default: return EntryType::kFile;
  }
}

// Hashes `count` zero bytes: the holes of a sparse file read as zeros.
void HashZeros(Hasher& hasher, int64_t count) {
  static const std::array<char, 64 << 10> kZeros{};
  while (count > 0) {
    size_t chunk = static_cast<size_t>(std::min<int64_t>(count, kZeros.size()));
    hasher.Update(kZeros.data(), chunk);
    count -= static_cast<int64_t>(chunk);
  }
}

Digest HashData(LayerReader& reader, int64_t size) {
  Hasher hasher;
  const void* data = nullptr;
  size_t length = 0;
  int64_t offset = 0;
  int64_t position = 0;
  while (reader.ReadBlock(&data, &length, &offset)) {
    if (offset > position) HashZeros(hasher, offset - position);
    hasher.Update(data, length);
    position = std::max(position, offset + static_cast<int64_t>(length));
  }
  if (size > position) HashZeros(hasher, size - position);
  return hasher.Finish();
}

std::vector<Xattr> XattrsOf(archive_entry* entry) {
  std::vector<Xattr> xattrs;
  archive_entry_xattr_reset(entry);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    xattrs.push_back({name, std::string(static_cast<const char*>(value), size)});
  }
  std::sort(xattrs.begin(), xattrs.end(),
            [](const Xattr& a, const Xattr& b) { return a.name < b.name; });
  return xattrs;
}

// Describes the current entry; nullopt for aufs bookkeeping, which Docker
// ignores and so does a comparison, and for what `keep` rejects.
std::optional<LayerEntry> Describe(archive_entry* entry, LayerReader& reader,
                                   const EntryFilter& keep) {
  const char* name = archive_entry_pathname(entry);
  LayerEntry out;
  out.path = CleanLayerPath(name != nullptr ? name : "");
  LayerNameKind kind = ClassifyLayerName(SplitParent(out.path).second).kind;
  if (kind == LayerNameKind::kMeta) return std::nullopt;
  bool marker = kind == LayerNameKind::kWhiteout || kind == LayerNameKind::kOpaque;
  if (keep && !marker && !keep(out.path)) return std::nullopt;
  out.type = out.path.empty() ? EntryType::kDirectory : TypeOf(entry, kind);
  out.mode = archive_entry_perm(entry) & 07777;
  out.uid = archive_entry_uid(entry);
  out.gid = archive_entry_gid(entry);
  out.mtime = archive_entry_mtime(entry);
  out.mtime_nsec = archive_entry_mtime_nsec(entry);
  out.xattrs = XattrsOf(entry);
  if (out.type == EntryType::kHardlink) {
    out.link_target = CleanLayerPath(archive_entry_hardlink(entry), "hardlink target");
  } else if (out.type == EntryType::kSymlink) {
    const char* target = archive_entry_symlink(entry);
    out.link_target = target != nullptr ? target : "";
  } else if (out.type == EntryType::kCharDevice || out.type == EntryType::kBlockDevice) {
    out.device_major = archive_entry_rdevmajor(entry);
    out.device_minor = archive_entry_rdevminor(entry);
  } else if (out.type == EntryType::kFile) {
    out.size = archive_entry_size(entry);
    out.content = HashData(reader, out.size);
  }
  return out;
}

// Sorts by path; of entries sharing a path the last one read wins.
void SortKeepingLast(std::vector<LayerEntry>& entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const LayerEntry& a, const LayerEntry& b) { return a.path < b.path; });
  std::vector<LayerEntry> unique;
  unique.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && entries[i + 1].path == entries[i].path) continue;
    unique.push_back(std::move(entries[i]));
  }
  entries = std::move(unique);
}

}  // namespace

std::string_view EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kFile: return "file";
    case EntryType::kDirectory: return "directory";
    case EntryType::kSymlink: return "symlink";
    case EntryType::kHardlink: return "hardlink";
    case EntryType::kCharDevice: return "char device";
    case EntryType::kBlockDevice: return "block device";
    case EntryType::kFifo: return "fifo";
    case EntryType::kWhiteout: return "whiteout";
    case EntryType::kOpaque: return "opaque marker";
  }
  return "unknown";
}

LayerIndex ReadLayerIndex(int fd, const std::string& what, const EntryFilter& keep) {
  LayerReader reader(fd, what);
  std::vector<LayerEntry> entries;
  while (archive_entry* entry = reader.Next()) {
    try {
      if (std::optional<LayerEntry> described = Describe(entry, reader, keep)) {
        entries.push_back(std::move(*described));
      }
    } catch (const LayerReadError&) {
      throw;
    } catch (const Error& error) {
      const char* name = archive_entry_pathname(entry);
      Fail("read layer {}: entry \"{}\": {}", what, name != nullptr ? name : "", error.what());
    }
  }
  Digest diff_id = reader.Finish();
  SortKeepingLast(entries);
  return LayerIndex{std::move(entries), diff_id, reader.uncompressed_bytes()};
}

std::string AffectedPath(const LayerEntry& entry) {
  if (entry.type != EntryType::kWhiteout && entry.type != EntryType::kOpaque) return entry.path;
  auto [parent, base] = SplitParent(entry.path);
  if (entry.type == EntryType::kOpaque) return std::string(parent);
  std::string_view target = ClassifyLayerName(base).target;
  return parent.empty() ? std::string(target) : std::string(parent) + "/" + std::string(target);
}

}  // namespace imgbuild::layers
