#include "builder/overlay_mount.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>

#include "util/error.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

// mount(2) copies one page of options, including the terminating NUL.
constexpr size_t kMaxMountOptions = 4095;
// fsconfig(2) copies at most 256 bytes of a string value, including the NUL.
constexpr size_t kMaxFsconfigValue = 255;

// Options that keep the upper directory a plain, portable diff (see header).
constexpr std::pair<const char*, const char*> kPlainDiffOptions[] = {
    {"index", "off"}, {"redirect_dir", "off"}, {"metacopy", "off"}};

std::string Describe(const OverlayLayout& layout) {
  return fmt::format("overlay at {} ({} lower layer(s), top-most {}, upper {}, work {})",
                     layout.target, layout.lowers.size(),
                     layout.lowers.empty() ? "none" : layout.lowers.front(), layout.upper,
                     layout.work);
}

// `lowerdir+` appeared in Linux 6.8. Distribution backports only cost us the
// (working) fallback, so the version is a safe test.
bool KernelSupportsLowerdirPlus() {
  static const bool supported = [] {
    utsname name{};
    int major = 0;
    int minor = 0;
    if (uname(&name) != 0 || std::sscanf(name.release, "%d.%d", &major, &minor) != 2) return false;
    return major > 6 || (major == 6 && minor >= 8);
  }();
  return supported;
}

// The messages the kernel queued on an fs context, joined with "; ".
std::string ReadFsContextLog(int fs_fd) {
  std::string log;
  char buffer[1024];
  while (true) {
    ssize_t size = ::read(fs_fd, buffer, sizeof(buffer));
    if (size <= 0) break;
    std::string line(buffer, static_cast<size_t>(size));
    while (!line.empty() && line.back() == '\n') line.pop_back();
    if (!log.empty()) log += "; ";
    log += line;
  }
  return log;
}

[[noreturn]] void FailFsconfig(const OverlayLayout& layout, int fs_fd, const std::string& step) {
  int saved = errno;
  std::string log = ReadFsContextLog(fs_fd);
  Fail("mount {}: {}{}", Describe(layout), ErrnoMessage(step, saved),
       log.empty() ? "" : " (kernel: " + log + ")");
}

// Sets a path-valued parameter; paths too long for fsconfig go through an
// O_PATH descriptor that `keep_open` holds until the superblock is created.
void SetPathParameter(const OverlayLayout& layout, int fs_fd, const char* key,
                      const std::string& path, std::vector<UniqueFd>& keep_open) {
  std::string value = path;
  if (value.size() > kMaxFsconfigValue) {
    keep_open.push_back(OpenOrThrow(path, O_PATH | O_DIRECTORY));
    value = fmt::format("/proc/self/fd/{}", keep_open.back().get());
  }
  if (fsconfig(fs_fd, FSCONFIG_SET_STRING, key, value.c_str(), 0) != 0) {
    FailFsconfig(layout, fs_fd, fmt::format("fsconfig {}={}", key, path));
  }
}

void MountWithFsconfig(const OverlayLayout& layout) {
  UniqueFd fs(fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs.valid()) FailErrno("fsopen overlay for " + Describe(layout));
  std::vector<UniqueFd> keep_open;
  for (const std::string& lower : layout.lowers) {
    SetPathParameter(layout, fs.get(), "lowerdir+", lower, keep_open);
  }
  SetPathParameter(layout, fs.get(), "upperdir", layout.upper, keep_open);
  SetPathParameter(layout, fs.get(), "workdir", layout.work, keep_open);
  for (const auto& [key, value] : kPlainDiffOptions) {
    if (fsconfig(fs.get(), FSCONFIG_SET_STRING, key, value, 0) != 0) {
      FailFsconfig(layout, fs.get(), fmt::format("fsconfig {}={}", key, value));
    }
  }
  if (layout.volatile_upper &&
      fsconfig(fs.get(), FSCONFIG_SET_FLAG, "volatile", nullptr, 0) != 0) {
    FailFsconfig(layout, fs.get(), "fsconfig volatile");
  }
  if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    FailFsconfig(layout, fs.get(), "create the overlay superblock");
  }
  UniqueFd mount_fd(fsmount(fs.get(), FSMOUNT_CLOEXEC, 0));
  if (!mount_fd.valid()) FailFsconfig(layout, fs.get(), "fsmount");
  if (move_mount(mount_fd.get(), "", AT_FDCWD, layout.target.c_str(),
                 MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    FailErrno(fmt::format("mount {}: attach at {}", Describe(layout), layout.target));
  }
}

// overlayfs splits its options at ',' and lowerdir at ':'; a backslash escapes both.
std::string EscapeOptionPath(const std::string& path) {
  std::string escaped;
  for (char c : path) {
    if (c == '\\' || c == ':' || c == ',') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

std::string MountOptions(const std::vector<std::string>& lowers, const std::string& upper,
                         const std::string& work, bool volatile_upper) {
  std::string options = "lowerdir=";
  for (size_t i = 0; i < lowers.size(); ++i) {
    if (i > 0) options += ':';
    options += EscapeOptionPath(lowers[i]);
  }
  options += ",upperdir=" + EscapeOptionPath(upper) + ",workdir=" + EscapeOptionPath(work);
  for (const auto& [key, value] : kPlainDiffOptions) options += fmt::format(",{}={}", key, value);
  if (volatile_upper) options += ",volatile";
  return options;
}

[[noreturn]] void FailMount(const OverlayLayout& layout, int errnum) {
  Fail("mount {}: {} (the kernel log, dmesg, names the offending option)", Describe(layout),
       ErrnoMessage("mount", errnum));
}

// Mounts with relative options from a child process whose working directory
// is `dir`; a fork keeps our own (process-wide) working directory untouched.
// Returns 0 or the errno of mount(2).
int MountFromDirectory(const std::string& dir, const std::string& target,
                       const std::string& options) {
  pid_t pid = fork();
  if (pid < 0) FailErrno("fork to mount overlay at " + target);
  if (pid == 0) {
    // Only async-signal-safe calls: the parent may be multithreaded.
    if (chdir(dir.c_str()) != 0) _exit(errno);
    _exit(mount("overlay", target.c_str(), "overlay", 0, options.c_str()) == 0 ? 0 : errno);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) FailErrno("wait for the overlay mount helper");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

// Replaces every directory by a short symlink in a temporary directory, so the
// options fit the page even for overlayfs's maximum of 500 layers.
void MountWithShortNames(const OverlayLayout& layout) {
  TempDir links("imgbuild-overlay-");
  std::vector<std::string> short_lowers;
  for (size_t i = 0; i < layout.lowers.size(); ++i) {
    short_lowers.push_back(std::to_string(i));
    if (symlink(layout.lowers[i].c_str(), (links.path() + "/" + short_lowers.back()).c_str()) != 0) {
      FailErrno("symlink " + links.path() + "/" + short_lowers.back());
    }
  }
  if (symlink(layout.upper.c_str(), (links.path() + "/u").c_str()) != 0 ||
      symlink(layout.work.c_str(), (links.path() + "/w").c_str()) != 0) {
    FailErrno("symlink upper and work in " + links.path());
  }
  std::string options = MountOptions(short_lowers, "u", "w", layout.volatile_upper);
  if (options.size() > kMaxMountOptions) {
    Fail("mount {}: too many layers for this kernel's {}-byte mount options", Describe(layout),
         kMaxMountOptions);
  }
  int errnum = MountFromDirectory(links.path(), layout.target, options);
  if (errnum != 0) FailMount(layout, errnum);
}

void MountWithOptions(const OverlayLayout& layout) {
  std::string options =
      MountOptions(layout.lowers, layout.upper, layout.work, layout.volatile_upper);
  if (options.size() > kMaxMountOptions) return MountWithShortNames(layout);
  if (mount("overlay", layout.target.c_str(), "overlay", 0, options.c_str()) != 0) {
    FailMount(layout, errno);
  }
}

void CheckLayout(const OverlayLayout& layout) {
  if (layout.lowers.empty()) Fail("mount {}: no lower layer given", Describe(layout));
  for (const std::string* path : {&layout.upper, &layout.work, &layout.target}) {
    if (path->empty() || path->front() != '/') {
      Fail("mount {}: \"{}\" is not an absolute path", Describe(layout), *path);
    }
  }
}

void MakeDirectory(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) FailErrno("mkdir " + path);
  if (chmod(path.c_str(), 0755) != 0) FailErrno("chmod " + path);
}

void MakeEmptyFile(const std::string& path) {
  UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT, 0644);
  if (fchmod(fd.get(), 0644) != 0) FailErrno("chmod " + path);
}

// Creates the parents of `container_path` below `base`; returns the full path.
std::string MakeParents(const std::string& base, const std::string& container_path) {
  if (container_path.empty() || container_path.front() != '/' ||
      container_path.find("/../") != std::string::npos || container_path.ends_with("/..")) {
    Fail("mount-point base {}: \"{}\" must be an absolute path without \"..\"", base,
         container_path);
  }
  size_t slash = 0;
  while ((slash = container_path.find('/', slash + 1)) != std::string::npos) {
    MakeDirectory(base + container_path.substr(0, slash));
  }
  return base + container_path;
}

}  // namespace

OverlayMount::OverlayMount(const OverlayLayout& layout, OverlayMountMethod method)
    : target_(layout.target) {
  CheckLayout(layout);
  bool use_fsconfig = method == OverlayMountMethod::kFsconfig ||
                      (method == OverlayMountMethod::kAuto && KernelSupportsLowerdirPlus());
  if (use_fsconfig) {
    MountWithFsconfig(layout);
  } else {
    MountWithOptions(layout);
  }
  mounted_ = true;
}

OverlayMount::OverlayMount(OverlayMount&& other) noexcept
    : target_(std::move(other.target_)), mounted_(std::exchange(other.mounted_, false)) {}

OverlayMount::~OverlayMount() {
  if (!mounted_) return;
  // A busy mount (a straggling process, an open file) is detached now and
  // freed by the kernel once the last user lets go.
  if (umount2(target_.c_str(), UMOUNT_NOFOLLOW) != 0) {
    umount2(target_.c_str(), UMOUNT_NOFOLLOW | MNT_DETACH);
  }
}

void OverlayMount::Unmount() {
  if (!mounted_) return;
  // A sandbox another stage clones at this moment holds copies of this
  // process's descriptors until it closes them, which keeps the mount busy
  // for a few milliseconds; so EBUSY is retried for a while (containerd
  // retries too) before it counts as a process really using the mount.
  auto delay = std::chrono::milliseconds(1);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (umount2(target_.c_str(), UMOUNT_NOFOLLOW) != 0) {
    if (errno != EBUSY || std::chrono::steady_clock::now() >= deadline) {
      FailErrno("unmount overlay at " + target_ + " (is a process still using it?)");
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(50));
  }
  mounted_ = false;
}

void CreateMountPointBase(const std::string& dir, const std::vector<std::string>& extra_dirs,
                          const std::vector<std::string>& extra_files) {
  MakeDirectory(dir);
  for (const char* name : {"/etc", "/dev", "/proc", "/sys"}) MakeDirectory(dir + name);
  for (const char* name : {"/etc/hosts", "/etc/resolv.conf", "/etc/hostname"}) {
    MakeEmptyFile(dir + name);
  }
  for (const std::string& path : extra_dirs) MakeDirectory(MakeParents(dir, path));
  for (const std::string& path : extra_files) MakeEmptyFile(MakeParents(dir, path));
}

}  // namespace imgbuild::builder
