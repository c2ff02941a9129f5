#include "layers/archive_util.h"

#include "util/error.h"

namespace imgbuild::layers {
namespace {

// Created once and never freed: a locale_t is cheap and process-wide.
locale_t Utf8Locale() {
  static const locale_t locale = newlocale(LC_ALL_MASK, "C.UTF-8", static_cast<locale_t>(0));
  if (locale == static_cast<locale_t>(0)) {
    Fail("the C.UTF-8 locale is not available; tar path names cannot be encoded reproducibly");
  }
  return locale;
}

}  // namespace

std::string ArchiveErrorText(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown libarchive error";
}

ScopedUtf8Locale::ScopedUtf8Locale() : previous_(uselocale(Utf8Locale())) {}

ScopedUtf8Locale::~ScopedUtf8Locale() { uselocale(previous_); }

}  // namespace imgbuild::layers
