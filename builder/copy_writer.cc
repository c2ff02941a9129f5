#include "builder/copy_writer.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "builder/glob.h"
#include "builder/root_path.h"
#include "layers/tar_apply.h"
#include "layers/xattrs.h"
#include "util/error.h"

namespace imgbuild::builder {
namespace {

constexpr size_t kCopyChunk = 1 << 20;
constexpr int kMaxSymlinkHops = 40;  // as the kernel's MAXSYMLINKS

bool Within(const std::string& dir, const std::string& path) {
  return dir.empty() || path == dir || (path.starts_with(dir) && path[dir.size()] == '/');
}

std::pair<std::string, std::string> SplitLast(const std::string& path) {
  auto [parent, name] = layers::SplitParent(path);
  return {std::string(parent), std::string(name)};
}

// Copies the rest of `from` into `to`: copy_file_range shares extents where
// the file system can; other pairs of file systems get a plain copy.
void CopyData(int from, int to, const std::string& shown) {
  while (true) {
    ssize_t copied = copy_file_range(from, nullptr, to, nullptr, size_t{1} << 30, 0);
    if (copied == 0) return;
    if (copied > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
      FailErrno("copy data to " + shown);
    }
    break;
  }
  std::vector<char> buffer(kCopyChunk);
  while (size_t got = ReadSome(from, buffer.data(), buffer.size(), shown)) {
    WriteAll(to, buffer.data(), got, shown);
  }
}

}  // namespace

struct CopyWriter::OpenDir {
  std::string rel;
  UniqueFd fd;
  const CopyObject* object = nullptr;  // null: not copied here, times stay
};

CopyWriter::CopyWriter(const std::string& rootfs, WriteRules rules) : rules_(std::move(rules)) {
  try {
    root_real_ = RealPath(rootfs);
    root_fd_ = OpenOrThrow(root_real_, O_RDONLY | O_DIRECTORY);
  } catch (const Error& error) {
    Fail("{}: open the root filesystem: {}", rules_.where, error.what());
  }
  if (rules_.uid || rules_.gid) {
    uid_t uid = rules_.uid.value_or(0);
    created_owner_ = layers::DirOwner{uid, rules_.gid.value_or(uid)};
  }
}

void CopyWriter::Write(const CopyUnit& unit, const std::string& destination,
                       bool into_directory) {
  if (unit.kind == CopyUnit::Kind::kArchive) return WriteArchive(unit, destination);
  UniqueFd host = OpenOrThrow(unit.host_root, O_PATH | O_DIRECTORY);
  if (!unit.contents_only) return WriteSingle(unit, host.get(), destination, into_directory);
  UniqueFd dest = MakeDirectories(destination);
  WriteTree(unit, host.get(), dest.get(), destination);
}

UniqueFd CopyWriter::MakeDirectories(const std::string& path) {
  std::string followed = FollowDanglingSymlinks(path);
  try {
    return layers::OpenDirInRoot(root_fd_.get(), followed, true, created_owner_);
  } catch (const Error& error) {
    Fail("{}: create the destination directory /{}: {}", rules_.where, path, error.what());
  }
}

// BuildKit resolves destinations with fs.RootPath, which follows a symlink
// even when its target does not exist yet (think /var/run -> /run in an
// image without /run), so the copy creates the target, inside the root.
std::string CopyWriter::FollowDanglingSymlinks(std::string path) const {
  for (int hop = 0; hop < kMaxSymlinkHops; ++hop) {
    std::optional<std::string> redirected = RedirectDangling(path);
    if (!redirected) return path;
    path = std::move(*redirected);
  }
  Fail("{}: too many levels of symbolic links in the destination /{}", rules_.where, path);
}

// `path` with its first missing component replaced by where that dangling
// symlink points; nullopt when nothing is missing or the first missing
// component is no symlink (it will simply be created).
std::optional<std::string> CopyWriter::RedirectDangling(const std::string& path) const {
  for (size_t end = 0;; ++end) {
    end = path.find('/', end);
    std::string prefix = path.substr(0, end);
    if (!layers::TryOpenInRoot(root_fd_.get(), prefix, O_PATH).valid()) {
      if (errno != ENOENT) return std::nullopt;
      std::optional<std::string> target = DanglingTarget(prefix);
      if (!target || end == std::string::npos) return target;
      return CleanPath("/" + *target + path.substr(end)).substr(1);
    }
    if (end == std::string::npos) return std::nullopt;
  }
}

// Where the symlink `path` (whose parent exists) points, as a clean path
// below the root; nullopt when `path` is no symlink.
std::optional<std::string> CopyWriter::DanglingTarget(const std::string& path) const {
  auto [parent, name] = SplitLast(path);
  struct stat st {};
  std::optional<std::string> resolved_parent =
      ResolveBelowRoot(root_fd_.get(), root_real_, parent, &st);
  if (!resolved_parent) return std::nullopt;
  UniqueFd parent_fd =
      layers::TryOpenInRoot(root_fd_.get(), *resolved_parent, O_PATH | O_DIRECTORY);
  if (!parent_fd.valid()) return std::nullopt;
  char target[PATH_MAX];
  ssize_t size = readlinkat(parent_fd.get(), name.c_str(), target, sizeof(target));
  if (size < 0) return std::nullopt;
  std::string link(target, static_cast<size_t>(size));
  std::string joined = link.starts_with('/') ? link : "/" + JoinPath(*resolved_parent, link);
  return CleanPath(joined).substr(1);
}

std::pair<uid_t, gid_t> CopyWriter::Owner(const CopyUnit& unit, const CopyObject& object) const {
  if (created_owner_) return {created_owner_->uid, created_owner_->gid};
  if (unit.keep_owners) return {object.uid, object.gid};
  return {0, 0};
}

mode_t CopyWriter::Permissions(const CopyObject& object) const {
  if (rules_.chmod != nullptr) return rules_.chmod->Apply(object.mode, S_ISDIR(object.mode));
  return object.mode & 07777;
}

// A file goes to the destination, or into it when it is a directory. Like
// BuildKit's fs.RootPath, an existing destination's final symlink is
// followed (inside the root).
void CopyWriter::WriteSingle(const CopyUnit& unit, int host_fd, const std::string& destination,
                             bool into_directory) {
  struct stat st {};
  std::optional<std::string> resolved;
  std::string followed = FollowDanglingSymlinks(destination);
  try {
    resolved = ResolveBelowRoot(root_fd_.get(), root_real_, followed, &st);
  } catch (const Error& error) {
    Fail("{}: {}", rules_.where, error.what());
  }
  std::string parent = destination;
  std::string name = unit.name;
  if (!into_directory && !(resolved && S_ISDIR(st.st_mode))) {
    std::tie(parent, name) = SplitLast(resolved ? *resolved : followed);
  }
  UniqueFd parent_fd = MakeDirectories(parent);
  WriteNonDirectory(unit, host_fd, unit.objects[0], parent_fd.get(), name,
                    "/" + JoinPath(parent, name));
}

// Objects come in walk order (parents first), so the directories being
// written form a stack; a directory's times are set when it is left.
void CopyWriter::WriteTree(const CopyUnit& unit, int host_fd, int dest_fd,
                           const std::string& dest) {
  std::vector<OpenDir> stack;
  stack.push_back({"", UniqueFd(fcntl(dest_fd, F_DUPFD_CLOEXEC, 0)), nullptr});
  if (!stack.back().fd.valid()) FailErrno(rules_.where + ": open /" + dest);
  auto leave = [&] {
    OpenDir& dir = stack.back();
    if (dir.object != nullptr) {
      struct timespec times[2] = {dir.object->mtime, dir.object->mtime};
      if (futimens(dir.fd.get(), times) != 0) {
        FailErrno(rules_.where + ": set times of /" + JoinPath(dest, dir.rel));
      }
    }
    stack.pop_back();
  };
  for (size_t i = 1; i < unit.objects.size(); ++i) {
    const CopyObject& object = unit.objects[i];
    auto [parent, name] = SplitLast(object.rel);
    while (!Within(stack.back().rel, parent)) leave();
    if (stack.back().rel != parent) {  // a directory written earlier and left
      std::string below = parent.substr(stack.back().rel.empty() ? 0 : stack.back().rel.size() + 1);
      UniqueFd fd = layers::TryOpenInRoot(stack.back().fd.get(), below,
                                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      if (!fd.valid()) FailErrno(rules_.where + ": open /" + JoinPath(dest, parent));
      stack.push_back({parent, std::move(fd), nullptr});
    }
    std::string shown = "/" + JoinPath(dest, object.rel);
    int parent_fd = stack.back().fd.get();
    if (S_ISDIR(object.mode)) {
      UniqueFd fd = WriteDirectory(unit, host_fd, object, parent_fd, name, shown);
      stack.push_back({object.rel, std::move(fd), &object});
    } else if (object.hardlink_to >= 0) {
      ReplaceNonDirectory(parent_fd, name, shown);
      const std::string& first = unit.objects[static_cast<size_t>(object.hardlink_to)].rel;
      if (linkat(stack.front().fd.get(), first.c_str(), parent_fd, name.c_str(), 0) != 0) {
        FailErrno(rules_.where + ": link " + shown + " to /" + JoinPath(dest, first));
      }
    } else {
      WriteNonDirectory(unit, host_fd, object, parent_fd, name, shown);
    }
  }
  while (!stack.empty()) leave();
}

// An existing directory is merged into and takes the copied one's
// metadata; anything else in the way is an error, as in BuildKit.
UniqueFd CopyWriter::WriteDirectory(const CopyUnit& unit, int host_fd, const CopyObject& object,
                                    int parent_fd, const std::string& name,
                                    const std::string& shown) {
  if (mkdirat(parent_fd, name.c_str(), 0700) != 0) {
    if (errno != EEXIST) FailErrno(rules_.where + ": create directory " + shown);
    struct stat st {};
    if (fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      FailErrno(rules_.where + ": stat " + shown);
    }
    if (!S_ISDIR(st.st_mode)) {
      Fail("{}: cannot copy a directory to {}: it exists and is not a directory", rules_.where,
           shown);
    }
  }
  UniqueFd fd = OpenAtOrThrow(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  UniqueFd source =
      layers::TryOpenInRoot(host_fd, object.source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (!source.valid()) {
    FailErrno(rules_.where + ": open " + JoinPath(unit.host_root, object.source));
  }
  SetMetadata(unit, object, fd.get(), source.get(), shown);
  return fd;
}

void CopyWriter::ReplaceNonDirectory(int parent_fd, const std::string& name,
                                     const std::string& shown) {
  struct stat st {};
  if (fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    FailErrno(rules_.where + ": stat " + shown);
  }
  if (S_ISDIR(st.st_mode)) {
    Fail("{}: cannot replace the directory {} with a file", rules_.where, shown);
  }
  if (unlinkat(parent_fd, name.c_str(), 0) != 0) FailErrno(rules_.where + ": remove " + shown);
}

void CopyWriter::WriteNonDirectory(const CopyUnit& unit, int host_fd, const CopyObject& object,
                                   int parent_fd, const std::string& name,
                                   const std::string& shown) {
  ReplaceNonDirectory(parent_fd, name, shown);
  auto [uid, gid] = Owner(unit, object);
  struct timespec times[2] = {object.mtime, object.mtime};
  const char* c_name = name.c_str();
  if (S_ISREG(object.mode)) {
    UniqueFd target(openat(parent_fd, c_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                           0600));
    if (!target.valid()) FailErrno(rules_.where + ": create " + shown);
    UniqueFd source = layers::TryOpenInRoot(host_fd, object.source, O_RDONLY | O_NOFOLLOW);
    std::string source_path = JoinPath(unit.host_root, object.source);
    if (!source.valid()) FailErrno(rules_.where + ": open " + source_path);
    struct stat st {};
    if (fstat(source.get(), &st) != 0) FailErrno(rules_.where + ": stat " + source_path);
    if (st.st_size != object.size || st.st_mtim.tv_sec != object.mtime.tv_sec ||
        st.st_mtim.tv_nsec != object.mtime.tv_nsec) {
      Fail("{}: {} changed after it was selected; run the build again", rules_.where,
           source_path);
    }
    CopyData(source.get(), target.get(), shown);
    SetMetadata(unit, object, target.get(), source.get(), shown);
    if (futimens(target.get(), times) != 0) FailErrno(rules_.where + ": set times of " + shown);
    return;
  }
  if (S_ISLNK(object.mode)) {
    if (symlinkat(object.link_target.c_str(), parent_fd, c_name) != 0) {
      FailErrno(rules_.where + ": create symlink " + shown);
    }
  } else if (mknodat(parent_fd, c_name, (object.mode & S_IFMT) | 0600, object.rdev) != 0) {
    FailErrno(rules_.where + ": create device or fifo " + shown);
  }
  // chmod after chown, which clears setuid and setgid; symlinks have no mode.
  if (fchownat(parent_fd, c_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 ||
      (!S_ISLNK(object.mode) && fchmodat(parent_fd, c_name, Permissions(object), 0) != 0) ||
      utimensat(parent_fd, c_name, times, AT_SYMLINK_NOFOLLOW) != 0) {
    FailErrno(rules_.where + ": set metadata of " + shown);
  }
}

// Owner, then mode (chown clears setuid/setgid), then xattrs (chown drops
// file capabilities). Extended attributes the file system cannot hold are
// skipped, as BuildKit does.
void CopyWriter::SetMetadata(const CopyUnit& unit, const CopyObject& object, int fd,
                             int source_fd, const std::string& shown) {
  auto [uid, gid] = Owner(unit, object);
  if (fchown(fd, uid, gid) != 0) FailErrno(rules_.where + ": chown " + shown);
  if (fchmod(fd, Permissions(object)) != 0) FailErrno(rules_.where + ": chmod " + shown);
  std::vector<layers::Xattr> xattrs;
  layers::ReadXattrs(source_fd, JoinPath(unit.host_root, object.source), layers::IsLayerXattr,
                     xattrs);
  for (const layers::Xattr& xattr : xattrs) {
    if (fsetxattr(fd, xattr.name.c_str(), xattr.value.data(), xattr.value.size(), 0) != 0 &&
        errno != ENOTSUP && errno != EOPNOTSUPP) {
      FailErrno(rules_.where + ": set xattr " + xattr.name + " on " + shown);
    }
  }
}

// ADD: the archive is extracted into the destination, which is a
// directory whatever it is written like; owners come from the archive
// unless --chown says otherwise.
void CopyWriter::WriteArchive(const CopyUnit& unit, const std::string& destination) {
  UniqueFd dest = MakeDirectories(destination);
  const CopyObject& archive = unit.objects[0];
  std::string source_path = JoinPath(unit.host_root, archive.source);
  UniqueFd source = OpenOrThrow(source_path, O_RDONLY | O_NOFOLLOW);
  layers::ApplyOptions options;
  options.whiteouts = layers::WhiteoutMode::kLiteral;
  options.bzip2_and_xz = true;
  if (created_owner_) {
    options.uid = created_owner_->uid;
    options.gid = created_owner_->gid;
  }
  try {
    layers::ApplyLayerAt(source.get(), unit.name, dest.get(), "/" + destination, options);
  } catch (const Error& error) {
    Fail("{}: extract {}: {}", rules_.where, unit.name, error.what());
  }
}

}  // namespace imgbuild::builder
