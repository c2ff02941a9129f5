// Helpers shared by the layer tests: a root-only fixture, building trees with
// every kind of file, snapshotting a tree for comparison, crafting tar
// streams, and running peer tools.
#ifndef IMGBUILD_TESTS_LAYERS_LAYER_TEST_UTIL_H_
#define IMGBUILD_TESTS_LAYERS_LAYER_TEST_UTIL_H_

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "layers/archive_util.h"
#include "layers/digest.h"
#include "layers/sink.h"
#include "util/dir.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::layers::testing {

/// Layer tests create devices, chown and set trusted xattrs: they need root.
class RootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "layer tests must run as root (they mknod, chown, set trusted.* "
                                "xattrs and mount overlayfs); run ctest as root";
  }
};

/// A mount that is lazily unmounted when the object dies.
class ScopedMount {
 public:
  ScopedMount(const std::string& source, const std::string& target, const std::string& type,
              const std::string& options)
      : target_(target) {
    if (mount(source.c_str(), target.c_str(), type.c_str(), 0, options.c_str()) != 0) {
      FailErrno("mount -t " + type + " -o " + options + " " + target);
    }
  }
  ~ScopedMount() { umount2(target_.c_str(), MNT_DETACH); }
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;

 private:
  std::string target_;
};

/// Collects a stream in memory.
class StringSink : public ByteSink {
 public:
  void Write(const void* data, size_t size) override {
    bytes.append(static_cast<const char*>(data), size);
  }
  void Close() override { closed = true; }
  std::string bytes;
  bool closed = false;
};

inline void Check(bool ok, const std::string& what) {
  if (!ok) FailErrno(what);
}

inline void WriteFile(const std::string& path, const std::string& content, mode_t mode = 0644) {
  UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  WriteAll(fd.get(), content.data(), content.size(), path);
  Check(fchmod(fd.get(), mode) == 0, "chmod " + path);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

inline void MakeDir(const std::string& path, mode_t mode = 0755) {
  Check(mkdir(path.c_str(), 0700) == 0, "mkdir " + path);
  Check(chmod(path.c_str(), mode) == 0, "chmod " + path);
}

inline void SetMtime(const std::string& path, time_t seconds, long nanos = 0) {
  struct timespec times[2] = {{seconds, nanos}, {seconds, nanos}};
  Check(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0, "utimensat " + path);
}

inline void SetXattr(const std::string& path, const std::string& name, const std::string& value) {
  Check(lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) == 0,
        "setxattr " + name + " on " + path);
}

/// Runs a shell command; returns its exit status and fills `output` with
/// stdout and stderr.
inline int Run(const std::string& command, std::string* output = nullptr) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) FailErrno("popen " + command);
  std::string text;
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0) text.append(buffer, got);
  int status = pclose(pipe);
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

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
    Check(lstat(path.c_str(), &st) == 0, "lstat " + path);
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

/// One entry of a hand-made tar stream.
struct TarSpec {
  std::string name = {};
  char type = 'f';  // f d l h (hardlink) c p
  std::string content = {};  // file data, symlink or hardlink target
  mode_t perm = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
  time_t mtime = 1600000000;
};

/// Crafts a pax tar stream with libarchive, names taken verbatim.
inline std::string MakeTar(const std::vector<TarSpec>& specs) {
  std::string bytes;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_per_block(a, 0);
  archive_write_open(
      a, &bytes, nullptr,
      [](archive*, void* out, const void* data, size_t size) -> la_ssize_t {
        static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
        return static_cast<la_ssize_t>(size);
      },
      nullptr);
  archive_entry* entry = archive_entry_new();
  for (const TarSpec& spec : specs) {
    archive_entry_clear(entry);
    archive_entry_copy_pathname(entry, spec.name.c_str());
    archive_entry_set_perm(entry, spec.perm);
    archive_entry_set_uid(entry, spec.uid);
    archive_entry_set_gid(entry, spec.gid);
    archive_entry_set_mtime(entry, spec.mtime, 0);
    switch (spec.type) {
      case 'f': archive_entry_set_filetype(entry, AE_IFREG); break;
      case 'd': archive_entry_set_filetype(entry, AE_IFDIR); break;
      case 'l': archive_entry_set_filetype(entry, AE_IFLNK); break;
      case 'c': archive_entry_set_filetype(entry, AE_IFCHR); break;
      case 'p': archive_entry_set_filetype(entry, AE_IFIFO); break;
      case 'h': archive_entry_set_filetype(entry, AE_IFREG); break;
    }
    if (spec.type == 'l') archive_entry_copy_symlink(entry, spec.content.c_str());
    if (spec.type == 'h') archive_entry_copy_hardlink(entry, spec.content.c_str());
    if (spec.type == 'f') archive_entry_set_size(entry, static_cast<la_int64_t>(spec.content.size()));
    archive_write_header(a, entry);
    if (spec.type == 'f') archive_write_data(a, spec.content.data(), spec.content.size());
  }
  archive_entry_free(entry);
  archive_write_close(a);
  archive_write_free(a);
  return bytes;
}

/// One parsed header of a tar stream, as libarchive reads it back.
struct ReadEntry {
  std::string name;
  mode_t mode = 0;  // type and permissions
  int64_t uid = 0, gid = 0;
  std::string uname, gname;
  int64_t mtime = 0;
  long mtime_nsec = 0;
  bool atime_set = false, ctime_set = false;
  int64_t size = 0;
  std::string symlink, hardlink;
  unsigned rdev_major = 0, rdev_minor = 0;
  std::map<std::string, std::string> xattrs;
  std::string data;
};

/// Parses a tar stream held in memory.
inline std::vector<ReadEntry> ReadTar(const std::string& bytes) {
  std::vector<ReadEntry> result;
  ScopedUtf8Locale locale;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    ADD_FAILURE() << archive_error_string(a);
  }
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    ReadEntry e;
    e.name = archive_entry_pathname(entry);
    e.mode = archive_entry_mode(entry);
    e.uid = archive_entry_uid(entry);
    e.gid = archive_entry_gid(entry);
    if (archive_entry_uname(entry)) e.uname = archive_entry_uname(entry);
    if (archive_entry_gname(entry)) e.gname = archive_entry_gname(entry);
    e.mtime = archive_entry_mtime(entry);
    e.mtime_nsec = archive_entry_mtime_nsec(entry);
    e.atime_set = archive_entry_atime_is_set(entry);
    e.ctime_set = archive_entry_ctime_is_set(entry);
    e.size = archive_entry_size(entry);
    if (archive_entry_symlink(entry)) e.symlink = archive_entry_symlink(entry);
    if (archive_entry_hardlink(entry)) e.hardlink = archive_entry_hardlink(entry);
    e.rdev_major = archive_entry_rdevmajor(entry);
    e.rdev_minor = archive_entry_rdevminor(entry);
    const char* name;
    const void* value;
    size_t size;
    archive_entry_xattr_reset(entry);
    while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
      e.xattrs[name] = std::string(static_cast<const char*>(value), size);
    }
    char buffer[65536];
    la_ssize_t got;
    while ((got = archive_read_data(a, buffer, sizeof(buffer))) > 0) {
      e.data.append(buffer, static_cast<size_t>(got));
    }
    result.push_back(std::move(e));
  }
  archive_read_free(a);
  return result;
}

inline std::vector<std::string> Names(const std::vector<ReadEntry>& entries) {
  std::vector<std::string> names;
  for (const ReadEntry& e : entries) names.push_back(e.name);
  return names;
}

/// A v2 security.capability value granting CAP_NET_BIND_SERVICE (effective).
inline std::string NetBindCapability() {
  const unsigned char bytes[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x04};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof(bytes));
}

/// Deterministic incompressible-looking bytes.
inline std::string PseudoRandom(size_t size, uint32_t seed) {
  std::string bytes(size, '\0');
  for (char& c : bytes) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return bytes;
}

/// Creates directory `root` holding a tree with every kind of entry a layer carries: setuid, setgid
/// and sticky modes, foreign owners (one beyond ustar's range), kept and
/// dropped xattrs, a three-way hardlink, relative, absolute and dangling
/// symlinks, long and non-ASCII names, devices, a fifo, a multi-chunk file
/// and names whose byte order differs from a depth-first walk.
/// `alternate` creates the same tree in another order under another umask,
/// with scratch files created and removed, so only readdir order and ctimes
/// differ.
inline void BuildRichTree(const std::string& root, bool alternate) {
  mode_t old_umask = umask(alternate ? 077 : 022);
  MakeDir(root, 0755);
  std::vector<std::string> dirs = {"a", "a/b", "bin", "deep", "dev", "etc", "run", "tmp",
                                   "usr", "usr/lib", "usr/share"};
  for (const std::string& dir : dirs) MakeDir(root + "/" + dir, 0755);
  auto scratch = [&](const std::string& dir) {
    if (!alternate) return;
    for (int i = 0; i < 20; ++i) WriteFile(root + "/" + dir + "/scratch" + std::to_string(i), "x");
  };
  auto unscratch = [&](const std::string& dir) {
    if (!alternate) return;
    for (int i = 0; i < 20; ++i) unlink((root + "/" + dir + "/scratch" + std::to_string(i)).c_str());
  };
  for (const std::string& dir : dirs) scratch(dir);
  auto ok = [](int result, const std::string& what) { Check(result == 0, what); };
  // Each step makes one path completely; the alternate variant runs them backwards.
  std::vector<std::function<void()>> steps = {
      [&] {
        WriteFile(root + "/bin/tool", "#!/bin/sh\necho tool\n", 04755);
        SetXattr(root + "/bin/tool", "security.capability", NetBindCapability());
      },
      [&] { WriteFile(root + "/bin/sgid", "sgid", 02711); },
      [&] { ok(chmod((root + "/tmp").c_str(), 01777), "chmod tmp"); },
      [&] {
        WriteFile(root + "/etc/conf", "key=value\n", 0600);
        ok(chown((root + "/etc/conf").c_str(), 1000, 1001), "chown conf");
        SetXattr(root + "/etc/conf", "user.note", "kept");
        SetXattr(root + "/etc/conf", "trusted.secret", "dropped");
      },
      [&] { SetXattr(root + "/etc", "user.dir", "kept too"); },
      [&] {
        WriteFile(root + "/etc/hard1", "linked content", 0640);
        ok(link((root + "/etc/hard1").c_str(), (root + "/etc/hard2").c_str()), "link");
        ok(link((root + "/etc/hard1").c_str(), (root + "/usr/share/hard3").c_str()), "link");
      },
      [&] { ok(symlink("usr/lib", (root + "/lib").c_str()), "symlink lib"); },
      [&] { ok(symlink("/etc/conf", (root + "/abs").c_str()), "symlink abs"); },
      [&] { ok(symlink("nowhere", (root + "/dangling").c_str()), "symlink dangling"); },
      [&] { ok(symlink(std::string(200, 't').c_str(), (root + "/longlink").c_str()), "symlink"); },
      [&] {
        ok(mkfifo((root + "/run/fifo").c_str(), 0600), "mkfifo");
        ok(chmod((root + "/run/fifo").c_str(), 0640), "chmod fifo");
      },
      [&] {
        ok(mknod((root + "/dev/null").c_str(), S_IFCHR | 0600, makedev(1, 3)), "mknod null");
        ok(chmod((root + "/dev/null").c_str(), 0666), "chmod null");
      },
      [&] {
        ok(mknod((root + "/dev/loop9").c_str(), S_IFBLK | 0600, makedev(7, 9)), "mknod loop9");
        ok(chmod((root + "/dev/loop9").c_str(), 0660), "chmod loop9");
      },
      [&] { WriteFile(root + "/empty", "", 0644); },
      [&] { WriteFile(root + "/deep/" + std::string(120, 'n'), "long name", 0644); },
      [&] { WriteFile(root + "/d\xc3\xa9j\xc3\xa0 vu.txt", "utf-8 name", 0644); },
      [&] { WriteFile(root + "/usr/lib/big", PseudoRandom((3 << 20) + 17, 7), 0644); },
      [&] {
        WriteFile(root + "/usr/lib/owned", "big ids", 0644);
        ok(lchown((root + "/usr/lib/owned").c_str(), 3000000, 3000001), "chown owned");
      },
      [&] { WriteFile(root + "/a-b", "dash", 0644); },
      [&] { WriteFile(root + "/a.b", "dot", 0644); },
      [&] { WriteFile(root + "/a/b/c", "nested", 0644); },
      [&] { WriteFile(root + "/B", "upper", 0644); },
  };
  if (alternate) std::reverse(steps.begin(), steps.end());
  for (auto& step : steps) step();
  for (const std::string& dir : dirs) unscratch(dir);
  umask(old_umask);
  // mtimes last, children before parents, so creating entries cannot move them.
  std::vector<std::string> paths;
  for (const auto& [path, node] : Snapshot(root)) paths.push_back(path);
  int64_t stamp = 1500000000;
  for (auto path = paths.rbegin(); path != paths.rend(); ++path) {
    SetMtime(root + "/" + *path, stamp + static_cast<int64_t>(path->size()) * 1000, 123456789);
  }
}

}  // namespace imgbuild::layers::testing

#endif  // IMGBUILD_TESTS_LAYERS_LAYER_TEST_UTIL_H_
