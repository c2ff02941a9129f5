#include "layers/layer_extractor.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "layers/safe_path.h"
#include "layers/xattrs.h"
#include "util/dir.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

mode_t Permissions(archive_entry* entry) { return archive_entry_perm(entry) & 07777; }

// mtime as atime too: archives rarely carry atime and it must not be "now".
void EntryTimes(archive_entry* entry, struct timespec times[2]) {
  times[1] = {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
  times[0] = archive_entry_atime_is_set(entry)
                 ? timespec{archive_entry_atime(entry), archive_entry_atime_nsec(entry)}
                 : times[1];
}

std::string Join(std::string_view parent, std::string_view name) {
  std::string path(parent);
  if (!path.empty()) path += '/';
  path += name;
  return path;
}

void WriteAllAt(int fd, const char* data, size_t size, int64_t offset, const std::string& path) {
  while (size > 0) {
    ssize_t written = pwrite(fd, data, size, offset);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) FailErrno("write " + path);
    data += written;
    size -= static_cast<size_t>(written);
    offset += written;
  }
}

}  // namespace

LayerExtractor::LayerExtractor(int target_fd, const std::string& target,
                               const ApplyOptions& options)
    : options_(options), root_(fcntl(target_fd, F_DUPFD_CLOEXEC, 0)), target_(target) {
  if (!root_.valid()) FailErrno("open " + target);
}

uid_t LayerExtractor::Uid(archive_entry* entry) const {
  return options_.uid ? *options_.uid : static_cast<uid_t>(archive_entry_uid(entry));
}

gid_t LayerExtractor::Gid(archive_entry* entry) const {
  return options_.gid ? *options_.gid : static_cast<gid_t>(archive_entry_gid(entry));
}

void LayerExtractor::Extract(archive_entry* entry, LayerReader& reader) {
  const char* name = archive_entry_pathname(entry);
  path_ = CleanLayerPath(name != nullptr ? name : "");
  if (path_.empty()) {
    // Docker's Untar leaves the directory it extracts into alone.
    if (options_.whiteouts == WhiteoutMode::kLiteral) return;
    return ApplyRoot(entry);
  }
  auto [parent_view, base_view] = SplitParent(path_);
  std::string parent(parent_view);
  LayerName kind = options_.whiteouts == WhiteoutMode::kLiteral ? LayerName{}
                                                                 : ClassifyLayerName(base_view);
  if (kind.kind == LayerNameKind::kMeta) return;  // aufs bookkeeping; Docker ignores it too
  if (kind.kind == LayerNameKind::kOpaque) return MakeOpaque(parent);
  if (kind.kind == LayerNameKind::kWhiteout) return Whiteout(parent, kind.target, entry);
  std::string base(base_view);
  const char* hardlink = archive_entry_hardlink(entry);
  mode_t type = archive_entry_filetype(entry);
  if (type == AE_IFSOCK) return;
  UniqueFd dir = OpenDirInRoot(root_.get(), parent, true);
  ReplaceExisting(dir.get(), base, hardlink == nullptr && type == AE_IFDIR);
  if (hardlink != nullptr) {
    Link(dir.get(), base, hardlink);
  } else if (type == AE_IFREG) {
    CreateFile(dir.get(), base, entry, reader);
  } else if (type == AE_IFDIR) {
    CreateDirectory(dir.get(), base, entry);
  } else if (type == AE_IFLNK) {
    CreateSymlink(dir.get(), base, entry);
  } else if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO) {
    CreateNode(dir.get(), base, entry);
  } else {
    Fail("unsupported entry type {:o}", type);
  }
  RecordUnpacked();
}

// "./" describes the target directory itself.
void LayerExtractor::ApplyRoot(archive_entry* entry) {
  if (archive_entry_hardlink(entry) != nullptr || archive_entry_filetype(entry) != AE_IFDIR) {
    Fail("the layer root can only be a directory");
  }
  SetOwnerModeXattrs(root_.get(), entry);
  DeferDirectoryTimes(entry);
}

void LayerExtractor::Whiteout(const std::string& parent, std::string_view name,
                              archive_entry* entry) {
  std::string victim(name);
  std::string shown = Join(parent, name);
  if (options_.whiteouts == WhiteoutMode::kDelete) {
    UniqueFd dir = OpenDirInRoot(root_.get(), parent, false);
    if (dir.valid()) RemoveAllAt(dir.get(), victim, shown);
    return;
  }
  UniqueFd dir = OpenDirInRoot(root_.get(), parent, true);
  ReplaceExisting(dir.get(), victim, false);
  if (mknodat(dir.get(), victim.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) {
    FailErrno("create overlay whiteout " + shown);
  }
  struct timespec times[2];
  EntryTimes(entry, times);
  if (fchownat(dir.get(), victim.c_str(), Uid(entry), Gid(entry),
               AT_SYMLINK_NOFOLLOW) != 0 ||
      fchmodat(dir.get(), victim.c_str(), Permissions(entry) & 0777, 0) != 0 ||
      utimensat(dir.get(), victim.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    FailErrno("set metadata of overlay whiteout " + shown);
  }
}

void LayerExtractor::MakeOpaque(const std::string& parent) {
  if (options_.whiteouts == WhiteoutMode::kDelete) {
    UniqueFd dir = OpenDirInRoot(root_.get(), parent, false);
    if (dir.valid()) ClearExceptUnpacked(dir.get(), parent);
    return;
  }
  UniqueFd dir = OpenDirInRoot(root_.get(), parent, true);
  const char* xattr = OpaqueXattrName(options_.overlay_xattrs);
  if (fsetxattr(dir.get(), xattr, "y", 1, 0) != 0) {
    FailErrno(std::string("set ") + xattr + " on \"" + parent + "\"");
  }
}

// Removes what lower layers left in an opaque directory: everything this
// layer has not unpacked, at any depth.
void LayerExtractor::ClearExceptUnpacked(int dir_fd, const std::string& path) {
  for (const std::string& name : ListDirectory(dir_fd, Join(target_, path))) {
    std::string child = Join(path, name);
    if (!unpacked_.contains(child)) {
      RemoveAllAt(dir_fd, name, child);
      continue;
    }
    struct stat st {};
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
      UniqueFd child_fd = OpenAtOrThrow(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      ClearExceptUnpacked(child_fd.get(), child);
    }
  }
}

// A later entry replaces what is there, except that a directory entry
// merges into an existing directory (containerd and Docker do the same).
void LayerExtractor::ReplaceExisting(int dir_fd, const std::string& name, bool keep_directory) {
  struct stat st {};
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    FailErrno("stat " + path_);
  }
  if (keep_directory && S_ISDIR(st.st_mode)) return;
  RemoveAllAt(dir_fd, name, path_);
}

void LayerExtractor::Link(int dir_fd, const std::string& name, const char* target) {
  std::string clean = CleanLayerPath(target, "hardlink target");
  if (clean.empty()) Fail("hardlink target \"{}\" is the layer root", target);
  auto [target_parent, target_base] = SplitParent(clean);
  UniqueFd target_dir = OpenDirInRoot(root_.get(), std::string(target_parent), false);
  std::string base(target_base);
  struct stat st {};
  if (!target_dir.valid() ||
      fstatat(target_dir.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    Fail("hardlink target \"{}\" does not exist in the target directory", target);
  }
  if (S_ISDIR(st.st_mode)) Fail("hardlink target \"{}\" is a directory", target);
  if (linkat(target_dir.get(), base.c_str(), dir_fd, name.c_str(), 0) != 0) {
    FailErrno("link " + path_ + " to " + clean);
  }
}

void LayerExtractor::CreateFile(int dir_fd, const std::string& name, archive_entry* entry,
                                LayerReader& reader) {
  int64_t size = archive_entry_size(entry);
  if (size < 0 || static_cast<uint64_t>(size) > options_.max_file_size) {
    Fail(
        "declares a size of {} bytes, more than the {} a layer file may have; the layer is corrupt",
        size, options_.max_file_size);
  }
  UniqueFd fd(openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600));
  if (!fd.valid()) FailErrno("create " + path_);
  WriteData(fd.get(), entry, reader);
  SetOwnerModeXattrs(fd.get(), entry);
  struct timespec times[2];
  EntryTimes(entry, times);
  if (futimens(fd.get(), times) != 0) FailErrno("set times of " + path_);
}

// Writes blocks where they belong; holes of sparse entries stay holes.
void LayerExtractor::WriteData(int fd, archive_entry* entry, LayerReader& reader) {
  const void* data = nullptr;
  size_t size = 0;
  int64_t offset = 0;
  int64_t end = 0;
  while (reader.ReadBlock(&data, &size, &offset)) {
    WriteAllAt(fd, static_cast<const char*>(data), size, offset, path_);
    end = std::max(end, offset + static_cast<int64_t>(size));
  }
  int64_t declared = archive_entry_size(entry);
  if (declared > end && ftruncate(fd, declared) != 0) FailErrno("extend " + path_);
}

void LayerExtractor::CreateDirectory(int dir_fd, const std::string& name, archive_entry* entry) {
  if (mkdirat(dir_fd, name.c_str(), 0700) != 0 && errno != EEXIST) {
    FailErrno("create directory " + path_);
  }
  UniqueFd dir = OpenAtOrThrow(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  SetOwnerModeXattrs(dir.get(), entry);
  DeferDirectoryTimes(entry);
}

// Symlink targets are stored verbatim: they are only ever resolved inside
// the root, by overlayfs in a container or by RESOLVE_IN_ROOT here.
void LayerExtractor::CreateSymlink(int dir_fd, const std::string& name, archive_entry* entry) {
  const char* target = archive_entry_symlink(entry);
  if (target == nullptr) target = "";
  if (symlinkat(target, dir_fd, name.c_str()) != 0) FailErrno("create symlink " + path_);
  struct timespec times[2];
  EntryTimes(entry, times);
  if (fchownat(dir_fd, name.c_str(), Uid(entry), Gid(entry),
               AT_SYMLINK_NOFOLLOW) != 0 ||
      utimensat(dir_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    FailErrno("set metadata of symlink " + path_);
  }
}

void LayerExtractor::CreateNode(int dir_fd, const std::string& name, archive_entry* entry) {
  dev_t device = makedev(archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry));
  if (mknodat(dir_fd, name.c_str(), archive_entry_filetype(entry) | 0600, device) != 0) {
    FailErrno("create device or fifo " + path_);
  }
  struct timespec times[2];
  EntryTimes(entry, times);
  // chmod after chown: chown clears setuid and setgid.
  if (fchownat(dir_fd, name.c_str(), Uid(entry), Gid(entry),
               AT_SYMLINK_NOFOLLOW) != 0 ||
      fchmodat(dir_fd, name.c_str(), Permissions(entry), 0) != 0 ||
      utimensat(dir_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    FailErrno("set metadata of " + path_);
  }
}

// Order matters: chown clears setuid/setgid and file capabilities, so the
// mode and xattrs come after it.
void LayerExtractor::SetOwnerModeXattrs(int fd, archive_entry* entry) {
  if (fchown(fd, Uid(entry), Gid(entry)) != 0) {
    FailErrno("chown " + path_);
  }
  if (fchmod(fd, Permissions(entry)) != 0) FailErrno("chmod " + path_);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  archive_entry_xattr_reset(entry);
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    if (!IsLayerXattr(name)) continue;  // trusted.overlay.* must never come from a layer
    if (fsetxattr(fd, name, value, size, 0) != 0) {
      FailErrno(std::string("set xattr ") + name + " on " + path_);
    }
  }
}

void LayerExtractor::DeferDirectoryTimes(archive_entry* entry) {
  struct timespec times[2];
  EntryTimes(entry, times);
  directory_times_.emplace_back(path_, times[1]);
}

// Records the entry and its ancestors, which an opaque marker later in
// the layer must keep (the ancestors may have been created implicitly).
void LayerExtractor::RecordUnpacked() {
  if (options_.whiteouts != WhiteoutMode::kDelete) return;
  std::string_view path = path_;
  while (!path.empty() && unpacked_.emplace(path).second) path = SplitParent(path).first;
}

void LayerExtractor::Finish() {
  for (const auto& [path, mtime] : directory_times_) {
    UniqueFd dir = TryOpenInRoot(root_.get(), path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (!dir.valid()) continue;  // replaced or whited out later in the layer
    struct timespec times[2] = {mtime, mtime};
    if (futimens(dir.get(), times) != 0) FailErrno("set times of directory " + Join(target_, path));
  }
}

}  // namespace imgbuild::layers
