// RAII temporary directories.
#ifndef IMGBUILD_UTIL_TEMP_DIR_H_
#define IMGBUILD_UTIL_TEMP_DIR_H_

#include <string>

namespace imgbuild {

/// A directory created with mkdtemp and removed, with everything in it,
/// when destroyed.
class TempDir {
 public:
  /// Creates `<parent>/<prefix>XXXXXX`; parent "" means $TMPDIR or /tmp.
  /// Throws Error when it cannot be created.
  explicit TempDir(const std::string& prefix = "imgbuild-", const std::string& parent = "");
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  /// Keeps the directory on disk after destruction; returns its path.
  std::string Release();

 private:
  std::string path_;
};

/// Removes `path` and everything below it without following symlinks.
/// A missing path is not an error. Throws Error on other failures.
void RemoveAll(const std::string& path);

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_TEMP_DIR_H_
