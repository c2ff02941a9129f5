// The filesystem half of the sandbox's PID 1 (see sandbox_child.h for why
// nothing here allocates). Mount flags and options follow runc's defaults.
#include <fcntl.h>
#include <linux/limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "builder/sandbox_child.h"

namespace imgbuild::builder::sandbox_internal {
namespace {

// runc's maskedPaths: files become /dev/null, directories an empty read-only tmpfs.
constexpr const char* kMaskedPaths[] = {
    "/proc/acpi",          "/proc/kcore",       "/proc/keys",      "/proc/latency_stats",
    "/proc/timer_list",    "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
    "/sys/firmware",       "/sys/devices/virtual/powercap",
};

// runc's readonlyPaths.
constexpr const char* kReadonlyPaths[] = {
    "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

struct DeviceNode {
  const char* path;
  unsigned major;
  unsigned minor;
};

// The character devices every container gets (runc's default devices).
constexpr DeviceNode kDeviceNodes[] = {
    {"/dev/null", 1, 3},    {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8},  {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

struct DevSymlink {
  const char* target;
  const char* path;
};

constexpr DevSymlink kDevSymlinks[] = {
    {"/proc/self/fd", "/dev/fd"},     {"/proc/self/fd/0", "/dev/stdin"},
    {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
    {"pts/ptmx", "/dev/ptmx"},        {"/proc/kcore", "/dev/core"},
};

void MountOrFail(const char* source, const char* target, const char* type, unsigned long flags,
                 const char* data, const char* step) noexcept {
  if (mount(source, target, type, flags, data) != 0) FailSetup(step, target);
}

void MakeDirectory(const char* path) noexcept {
  if (mkdir(path, 0755) != 0 && errno != EEXIST) FailSetup("mkdir", path);
}

bool Exists(const char* path) noexcept {
  struct stat info {};
  return stat(path, &info) == 0;
}

void CreateTarget(const PlannedMount& mount) noexcept {
  if (mount.kind == PlannedMount::Kind::kTmpfs || mount.source_is_directory) {
    MakeDirectories(mount.target.c_str());
    return;
  }
  char parent[PATH_MAX];
  std::strncpy(parent, mount.target.c_str(), sizeof(parent) - 1);
  parent[sizeof(parent) - 1] = '\0';
  if (char* slash = std::strrchr(parent, '/'); slash != nullptr && slash != parent) {
    *slash = '\0';
    MakeDirectories(parent);
  }
  int fd = open(mount.target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) FailSetup("create mount target", mount.target.c_str());
  close(fd);
}

void AttachBind(PlannedMount& mount) noexcept {
  int flags = MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS;
  if (move_mount(mount.tree_fd, "", AT_FDCWD, mount.target.c_str(), flags) != 0) {
    FailSetup("bind mount", mount.target.c_str());
  }
  close(mount.tree_fd);
  mount.tree_fd = -1;
}

}  // namespace

void MakeDirectories(const char* path) noexcept {
  char prefix[PATH_MAX];
  size_t length = std::strlen(path);
  if (length >= sizeof(prefix)) {
    errno = ENAMETOOLONG;
    FailSetup("mkdir", path);
  }
  std::memcpy(prefix, path, length + 1);
  for (size_t i = 1; i <= length; ++i) {
    if (prefix[i] != '/' && prefix[i] != '\0') continue;
    char saved = prefix[i];
    prefix[i] = '\0';
    MakeDirectory(prefix);
    prefix[i] = saved;
  }
}

void MakeMountsPrivate() noexcept {
  // Nothing we mount may propagate back to the host, nor host events in.
  MountOrFail(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr, "make mounts private");
}

void OpenBindSources(ChildPlan& plan) noexcept {
  for (PlannedMount& mount : plan.mounts) {
    if (mount.kind != PlannedMount::Kind::kBind) continue;
    mount.tree_fd = static_cast<int>(open_tree(AT_FDCWD, mount.source.c_str(),
                                               OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (mount.tree_fd < 0) FailSetup("open bind source", mount.source.c_str());
    if (!mount.readonly) continue;
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (mount_setattr(mount.tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) != 0) {
      FailSetup("make bind mount read-only", mount.source.c_str());
    }
  }
}

void PivotInto(const char* rootfs) noexcept {
  // pivot_root needs the new root to be a mount point of its own.
  MountOrFail(rootfs, rootfs, nullptr, MS_BIND | MS_REC, nullptr, "bind the rootfs");
  if (chdir(rootfs) != 0) FailSetup("chdir", rootfs);
  // pivot_root(".", ".") stacks the old root under the new one; detaching the
  // top of "." then drops the whole host tree from this namespace.
  if (syscall(SYS_pivot_root, ".", ".") != 0) FailSetup("pivot_root", rootfs);
  if (umount2(".", MNT_DETACH) != 0) FailSetup("detach the host root", rootfs);
  if (chdir("/") != 0) FailSetup("chdir", "/");
}

void MountProc() noexcept {
  MountOrFail("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, "mount proc");
}

void MountSys() noexcept {
  MountOrFail("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr,
              "mount sysfs");
}

void MountDev() noexcept {
  MountOrFail("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k",
              "mount /dev tmpfs");
  for (const DeviceNode& node : kDeviceNodes) {
    if (mknod(node.path, S_IFCHR | 0666, makedev(node.major, node.minor)) != 0) {
      FailSetup("mknod", node.path);
    }
  }
  MakeDirectory("/dev/pts");
  MountOrFail("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
              "newinstance,ptmxmode=0666,mode=0620,gid=5", "mount devpts");
  MakeDirectory("/dev/shm");
  MountOrFail("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "mode=1777,size=65536k", "mount /dev/shm");
  MakeDirectory("/dev/mqueue");
  MountOrFail("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr,
              "mount mqueue");
  for (const DevSymlink& link : kDevSymlinks) {
    if (symlink(link.target, link.path) != 0) FailSetup("symlink", link.path);
  }
}

void AttachPlannedMounts(ChildPlan& plan) noexcept {
  for (PlannedMount& mount : plan.mounts) {
    if (!Exists(mount.target.c_str())) {
      if (!mount.create_missing_target) {
        if (mount.tree_fd >= 0) close(mount.tree_fd);
        mount.tree_fd = -1;
        continue;
      }
      CreateTarget(mount);
    }
    if (mount.kind == PlannedMount::Kind::kBind) {
      AttachBind(mount);
    } else {
      MountOrFail("tmpfs", mount.target.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                  mount.tmpfs_options.c_str(), "mount tmpfs");
    }
  }
}

void MaskPaths() noexcept {
  for (const char* path : kMaskedPaths) {
    struct stat info {};
    if (stat(path, &info) != 0) continue;  // not on this kernel
    if (S_ISDIR(info.st_mode)) {
      MountOrFail("tmpfs", path, "tmpfs", MS_RDONLY, nullptr, "mask directory");
    } else {
      MountOrFail("/dev/null", path, nullptr, MS_BIND, nullptr, "mask file");
    }
  }
}

void MakePathsReadonly() noexcept {
  constexpr unsigned long kReadonlyFlags =
      MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  for (const char* path : kReadonlyPaths) {
    if (!Exists(path)) continue;
    MountOrFail(path, path, nullptr, MS_BIND | MS_REC, nullptr, "bind read-only path");
    MountOrFail(path, path, nullptr, kReadonlyFlags, nullptr, "remount read-only");
  }
}

}  // namespace imgbuild::builder::sandbox_internal
