#include "layers/safe_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "util/dir.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

// openat2 fails with EAGAIN when a concurrent rename could have let ".."
// resolution escape; retrying is the documented answer.
constexpr int kOpenAttempts = 32;

std::string JoinForMessage(std::string_view parent, std::string_view base) {
  return parent.empty() ? std::string(base) : std::string(parent) + "/" + std::string(base);
}

}  // namespace

std::string CleanLayerPath(std::string_view name, std::string_view role) {
  if (name.starts_with('/')) {
    Fail("{} \"{}\" is absolute; layer paths are relative to the layer root", role, name);
  }
  std::string clean;
  clean.reserve(name.size());
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view component = name.substr(start, end - start);
    start = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      Fail("{} \"{}\" has a \"..\" component, which could escape the target directory", role, name);
    }
    if (!clean.empty()) clean += '/';
    clean += component;
  }
  return clean;
}

std::pair<std::string_view, std::string_view> SplitParent(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {std::string_view(), path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

UniqueFd TryOpenInRoot(int root_fd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const char* name = path.empty() ? "." : path.c_str();
  for (int attempt = 0; attempt < kOpenAttempts; ++attempt) {
    long fd = syscall(SYS_openat2, root_fd, name, &how, sizeof(how));
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno == ENOSYS) Fail("openat2 is not available; imgbuild needs Linux 5.6 or later");
    if (errno != EAGAIN && errno != EINTR) break;
  }
  return UniqueFd();
}

UniqueFd OpenDirInRoot(int root_fd, const std::string& path, bool create,
                       const std::optional<DirOwner>& owner) {
  UniqueFd fd = TryOpenInRoot(root_fd, path, O_RDONLY | O_DIRECTORY);
  if (fd.valid()) return fd;
  int error = errno;
  if (!create && (error == ENOENT || error == ENOTDIR)) return fd;
  if (error == ENOTDIR) Fail("a component of \"{}\" is not a directory", path);
  if (error != ENOENT || path.empty()) FailErrno("open directory \"" + path + "\"");
  auto [parent, base] = SplitParent(path);
  UniqueFd parent_fd = OpenDirInRoot(root_fd, std::string(parent), true, owner);
  std::string base_name(base);
  if (mkdirat(parent_fd.get(), base_name.c_str(), 0755) != 0) {
    if (errno == EEXIST) {
      Fail("\"{}\" is a symlink whose target does not exist inside the target directory", path);
    }
    FailErrno("create directory \"" + path + "\"");
  }
  UniqueFd created = OpenAtOrThrow(parent_fd.get(), base_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (owner && fchown(created.get(), owner->uid, owner->gid) != 0) {
    FailErrno("chown directory \"" + path + "\"");
  }
  if (fchmod(created.get(), 0755) != 0) FailErrno("chmod directory \"" + path + "\"");
  return created;
}

void RemoveAllAt(int dir_fd, const std::string& name, const std::string& what) {
  if (unlinkat(dir_fd, name.c_str(), 0) == 0 || errno == ENOENT) return;
  if (errno != EISDIR) FailErrno("remove \"" + what + "\"");
  UniqueFd child = OpenAtOrThrow(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  for (const std::string& entry : ListDirectory(child.get(), what)) {
    RemoveAllAt(child.get(), entry, JoinForMessage(what, entry));
  }
  if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    FailErrno("remove directory \"" + what + "\"");
  }
}

}  // namespace imgbuild::layers
