// A tree holding every kind of entry a layer carries, buildable in two
// orders that must give byte-identical layers.
#ifndef IMGBUILD_TESTS_LAYERS_RICH_TREE_H_
#define IMGBUILD_TESTS_LAYERS_RICH_TREE_H_

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "layer_test_util.h"
#include "tree_snapshot.h"

namespace imgbuild::layers::testing {

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
    for (int i = 0; i < 20; ++i) {
      unlink((root + "/" + dir + "/scratch" + std::to_string(i)).c_str());
    }
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

#endif  // IMGBUILD_TESTS_LAYERS_RICH_TREE_H_
