#include "layers/xattrs.h"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

#include "layers/whiteout.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

ssize_t ListNames(int fd, const std::string& path, char* buffer, size_t size) {
  return fd >= 0 ? flistxattr(fd, buffer, size) : llistxattr(path.c_str(), buffer, size);
}

ssize_t GetValue(int fd, const std::string& path, const char* name, void* buffer, size_t size) {
  return fd >= 0 ? fgetxattr(fd, name, buffer, size)
                 : lgetxattr(path.c_str(), name, buffer, size);
}

bool Unsupported(int error) { return error == ENOTSUP || error == EOPNOTSUPP; }

// Reads the NUL-separated name list; the list can grow between the sizing
// call and the read, hence the retry on ERANGE.
std::string NameList(int fd, const std::string& path) {
  std::string names;
  while (true) {
    ssize_t size = ListNames(fd, path, nullptr, 0);
    if (size < 0 && Unsupported(errno)) return "";
    if (size < 0) FailErrno("list xattrs of " + path);
    if (size == 0) return "";
    names.resize(static_cast<size_t>(size));
    size = ListNames(fd, path, names.data(), names.size());
    if (size >= 0) {
      names.resize(static_cast<size_t>(size));
      return names;
    }
    if (errno != ERANGE) FailErrno("list xattrs of " + path);
  }
}

// Returns false when the attribute vanished since it was listed.
bool ReadValue(int fd, const std::string& path, const std::string& name, std::string& value) {
  while (true) {
    ssize_t size = GetValue(fd, path, name.c_str(), nullptr, 0);
    if (size < 0 && errno == ENODATA) return false;
    if (size < 0) FailErrno("read xattr " + name + " of " + path);
    value.resize(static_cast<size_t>(size));
    size = GetValue(fd, path, name.c_str(), value.data(), value.size());
    if (size >= 0) {
      value.resize(static_cast<size_t>(size));
      return true;
    }
    if (errno == ENODATA) return false;
    if (errno != ERANGE) FailErrno("read xattr " + name + " of " + path);
  }
}

}  // namespace

bool IsLayerXattr(std::string_view name) {
  if (name == "security.capability") return true;
  return name.starts_with("user.") && !IsOverlayXattr(name);
}

void ReadXattrs(int fd, const std::string& path, XattrFilter keep, std::vector<Xattr>& out) {
  out.clear();
  std::string names = NameList(fd, path);
  for (size_t start = 0; start < names.size();) {
    size_t end = names.find('\0', start);
    if (end == std::string::npos) end = names.size();
    Xattr xattr{names.substr(start, end - start), {}};
    start = end + 1;
    if (xattr.name.empty() || !keep(xattr.name)) continue;
    if (ReadValue(fd, path, xattr.name, xattr.value)) out.push_back(std::move(xattr));
  }
  std::sort(out.begin(), out.end(),
            [](const Xattr& a, const Xattr& b) { return a.name < b.name; });
}

}  // namespace imgbuild::layers
