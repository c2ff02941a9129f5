#include "util/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "util/error.h"

namespace imgbuild {

TempDir::TempDir(const std::string& prefix, const std::string& parent) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  }
  std::string pattern = base + "/" + prefix + "XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) FailErrno("create temporary directory " + pattern);
  path_ = buffer.data();
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, "")) {}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;  // A destructor must not throw; leftovers are harmless.
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Release() { return std::exchange(path_, ""); }

void RemoveAll(const std::string& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) Fail("remove {}: {}", path, error.message());
}

}  // namespace imgbuild
