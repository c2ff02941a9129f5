// Snapshots of a directory tree (types, modes, owners, times, content
// digests, link targets, devices, xattrs, hardlink groups) for comparing
// trees in tests.
#ifndef IMGBUILD_TESTS_LAYERS_TREE_SNAPSHOT_H_
#define IMGBUILD_TESTS_LAYERS_TREE_SNAPSHOT_H_

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "layers/digest.h"
#include "util/dir.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::layers::testing {

/// What a test compares about one path of a tree.
struct Node {
  char type = '?';  // f d l c b p
  mode_t perm = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  int64_t mtime = 0;  // seconds; 0 when not compared
  std::string content;  // sha256 of file data, or symlink target
  unsigned rdev_major = 0, rdev_minor = 0;
  std::map<std::string, std::string> xattrs;
  std::string link_group;  // first path (in order) sharing the inode, for nlink > 1
  bool operator==(const Node&) const = default;
};

inline void PrintTo(const Node& n, std::ostream* os) {
  *os << n.type << " " << std::oct << n.perm << std::dec << " " << n.uid << ":" << n.gid
      << " mtime=" << n.mtime << " content=" << n.content << " rdev=" << n.rdev_major << ","
      << n.rdev_minor << " link_group=" << n.link_group << " xattrs={";
  for (const auto& [name, value] : n.xattrs) *os << name << "=" << value << ";";
  *os << "}";
}

/// Options for Snapshot.
struct SnapshotOptions {
  bool directory_mtimes = true;
  bool symlink_mtimes = true;
  /// Which xattrs to record; by default every one that is not overlay or
  /// SELinux bookkeeping.
  bool (*keep_xattr)(const std::string& name) = [](const std::string& name) {
    return name.rfind("trusted.overlay.", 0) != 0 && name != "security.selinux";
  };
};

inline char TypeChar(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return 'f';
    case S_IFDIR: return 'd';
    case S_IFLNK: return 'l';
    case S_IFCHR: return 'c';
    case S_IFBLK: return 'b';
    case S_IFIFO: return 'p';
    default: return 's';
  }
}

inline std::map<std::string, std::string> AllXattrs(const std::string& path,
                                                    const SnapshotOptions& options) {
  std::map<std::string, std::string> result;
  char names[65536];
  ssize_t size = llistxattr(path.c_str(), names, sizeof(names));
  for (ssize_t i = 0; i < size; i += static_cast<ssize_t>(strlen(names + i)) + 1) {
    std::string name = names + i;
    if (!options.keep_xattr(name)) continue;
    char value[65536];
    ssize_t length = lgetxattr(path.c_str(), name.c_str(), value, sizeof(value));
    if (length >= 0) result[name] = std::string(value, static_cast<size_t>(length));
  }
  return result;
}

inline void SnapshotInto(const std::string& root, const std::string& relative,
                         const SnapshotOptions& options, std::map<std::string, Node>& out,
                         std::map<std::pair<dev_t, ino_t>, std::string>& inodes) {
  std::string dir = relative.empty() ? root : root + "/" + relative;
  UniqueFd fd = OpenOrThrow(dir, O_RDONLY | O_DIRECTORY);
  std::vector<std::string> names = ListDirectory(fd.get(), dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string rel = relative.empty() ? name : relative + "/" + name;
    std::string path = root + "/" + rel;
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) FailErrno("lstat " + path);
    Node node;
    node.type = TypeChar(st.st_mode);
    node.perm = st.st_mode & 07777;
    node.uid = st.st_uid;
    node.gid = st.st_gid;
    bool mtime = node.type == 'd' ? options.directory_mtimes
                 : node.type == 'l' ? options.symlink_mtimes : true;
    if (mtime) node.mtime = st.st_mtim.tv_sec;
    if (node.type == 'f') node.content = DigestOfFile(path).ToString();
    if (node.type == 'l') {
      char target[4096];
      ssize_t length = readlink(path.c_str(), target, sizeof(target));
      node.content.assign(target, static_cast<size_t>(length));
    }
    if (node.type == 'c' || node.type == 'b') {
      node.rdev_major = major(st.st_rdev);
      node.rdev_minor = minor(st.st_rdev);
    }
    if (node.type == 'f' || node.type == 'd') node.xattrs = AllXattrs(path, options);
    if (node.type != 'd' && st.st_nlink > 1) {
      node.link_group = inodes.try_emplace({st.st_dev, st.st_ino}, rel).first->second;
    }
    out[rel] = node;
    if (node.type == 'd') SnapshotInto(root, rel, options, out, inodes);
  }
}

/// Every path below `root` (not `root` itself) with what tests compare.
inline std::map<std::string, Node> Snapshot(const std::string& root,
                                            const SnapshotOptions& options = {}) {
  std::map<std::string, Node> out;
  std::map<std::pair<dev_t, ino_t>, std::string> inodes;
  SnapshotInto(root, "", options, out, inodes);
  return out;
}

}  // namespace imgbuild::layers::testing

#endif  // IMGBUILD_TESTS_LAYERS_TREE_SNAPSHOT_H_
