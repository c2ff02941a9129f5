// Glue for libarchive: owning handles, its error text, and the locale it
// must run under so that path names are converted the same way every time.
#ifndef IMGBUILD_LAYERS_ARCHIVE_UTIL_H_
#define IMGBUILD_LAYERS_ARCHIVE_UTIL_H_

#include <archive.h>
#include <locale.h>

#include <memory>
#include <string>

namespace imgbuild::layers {

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
/// An archive_read_new() handle, freed when destroyed.
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;
/// An archive_write_new() handle, freed when destroyed.
using ArchiveWriter = std::unique_ptr<archive, ArchiveWriteFree>;

/// libarchive's description of the last error on `a`, never null.
std::string ArchiveErrorText(archive* a);

/// Switches the calling thread to the C.UTF-8 locale while it lives.
/// libarchive converts pax path names between UTF-8 and the current locale;
/// pinning the locale keeps tar bytes independent of the caller's LANG and
/// of whether anyone called setlocale. Throws Error if C.UTF-8 is missing.
class ScopedUtf8Locale {
 public:
  ScopedUtf8Locale();
  ~ScopedUtf8Locale();
  ScopedUtf8Locale(const ScopedUtf8Locale&) = delete;
  ScopedUtf8Locale& operator=(const ScopedUtf8Locale&) = delete;

 private:
  locale_t previous_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_ARCHIVE_UTIL_H_
