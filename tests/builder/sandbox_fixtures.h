// Shared by the builder's mount and sandbox tests: a root check, a throwaway
// root filesystem made of Debian's busybox-static, and small file helpers.
#ifndef IMGBUILD_TESTS_BUILDER_SANDBOX_FIXTURES_H_
#define IMGBUILD_TESTS_BUILDER_SANDBOX_FIXTURES_H_

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::builder::test_support {

/// Fails the calling test (and returns from it) unless the process is root.
#define IMGBUILD_ASSERT_ROOT()                                                           \
  ASSERT_EQ(geteuid(), 0u) << "this test mounts filesystems and creates namespaces: " \
                              "run it as root"

constexpr const char* kBusybox = "/bin/busybox";

inline void WriteTextFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) Fail("test: cannot write {}", path);
}

inline std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

/// Every path below `dir`, relative and sorted.
inline std::vector<std::string> ListTree(const std::string& dir) {
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    entries.push_back(std::filesystem::relative(entry.path(), dir).string());
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

/// True when `path` is a mount point in this process's mount namespace.
inline bool IsMountPoint(const std::string& path) {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point;
    fields >> id >> parent >> device >> root >> mount_point;
    if (mount_point == path) return true;
  }
  return false;
}

/// True when /proc/self/mountinfo mentions `text` anywhere.
inline bool MountinfoMentions(const std::string& text) {
  return ReadTextFile("/proc/self/mountinfo").find(text) != std::string::npos;
}

/// A root filesystem with only /bin: busybox and one symlink per applet. No
/// /etc, /dev, /proc, /sys or /tmp, like a minimal image.
class BusyboxRootfs {
 public:
  BusyboxRootfs() : dir_("imgbuild-busybox-") {
    std::filesystem::create_directory(dir_.path() + "/bin");
    // Never written to (tests use it as a lower layer), so a hard link will do.
    std::error_code no_link;
    std::filesystem::create_hard_link(kBusybox, dir_.path() + "/bin/busybox", no_link);
    if (no_link) std::filesystem::copy_file(kBusybox, dir_.path() + "/bin/busybox");
    for (const std::string& applet : Applets()) {
      if (applet == "busybox") continue;
      std::filesystem::create_symlink("busybox", dir_.path() + "/bin/" + applet);
    }
  }

  /// One rootfs shared by every test of the binary; tests never write to it.
  static const BusyboxRootfs& Shared() {
    static const BusyboxRootfs rootfs;
    return rootfs;
  }

  const std::string& path() const { return dir_.path(); }

 private:
  static std::vector<std::string> Applets() {
    if (access(kBusybox, X_OK) != 0) Fail("test: {} is missing: install busybox-static", kBusybox);
    FILE* pipe = popen("/bin/busybox --list", "r");
    if (pipe == nullptr) Fail("test: cannot run busybox --list");
    std::vector<std::string> applets;
    char line[256];
    while (std::fgets(line, sizeof(line), pipe) != nullptr) {
      std::string name(line);
      while (!name.empty() && name.back() == '\n') name.pop_back();
      if (!name.empty()) applets.push_back(name);
    }
    pclose(pipe);
    return applets;
  }

  TempDir dir_;
};

}  // namespace imgbuild::builder::test_support

#endif  // IMGBUILD_TESTS_BUILDER_SANDBOX_FIXTURES_H_
