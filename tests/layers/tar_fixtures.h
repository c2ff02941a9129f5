// Crafting tar streams with arbitrary entries and reading streams back
// header by header, both through libarchive.
#ifndef IMGBUILD_TESTS_LAYERS_TAR_FIXTURES_H_
#define IMGBUILD_TESTS_LAYERS_TAR_FIXTURES_H_

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "layers/archive_util.h"

namespace imgbuild::layers::testing {

/// One entry of a hand-made tar stream.
struct TarSpec {
  std::string name = {};
  char type = 'f';  // f d l h (hardlink) c p
  std::string content = {};  // file data, symlink or hardlink target
  mode_t perm = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
  time_t mtime = 1600000000;
  std::map<std::string, std::string> xattrs = {};
};

/// Crafts a pax tar stream with libarchive, names taken verbatim.
inline std::string MakeTar(const std::vector<TarSpec>& specs) {
  std::string bytes;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_per_block(a, 0);
  archive_write_open(
      a, &bytes, nullptr,
      [](archive*, void* out, const void* data, size_t size) -> la_ssize_t {
        static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
        return static_cast<la_ssize_t>(size);
      },
      nullptr);
  archive_entry* entry = archive_entry_new();
  for (const TarSpec& spec : specs) {
    archive_entry_clear(entry);
    archive_entry_copy_pathname(entry, spec.name.c_str());
    archive_entry_set_perm(entry, spec.perm);
    archive_entry_set_uid(entry, spec.uid);
    archive_entry_set_gid(entry, spec.gid);
    archive_entry_set_mtime(entry, spec.mtime, 0);
    switch (spec.type) {
      case 'f': archive_entry_set_filetype(entry, AE_IFREG); break;
      case 'd': archive_entry_set_filetype(entry, AE_IFDIR); break;
      case 'l': archive_entry_set_filetype(entry, AE_IFLNK); break;
      case 'c': archive_entry_set_filetype(entry, AE_IFCHR); break;
      case 'p': archive_entry_set_filetype(entry, AE_IFIFO); break;
      case 'h': archive_entry_set_filetype(entry, AE_IFREG); break;
    }
    for (const auto& [name, value] : spec.xattrs) {
      archive_entry_xattr_add_entry(entry, name.c_str(), value.data(), value.size());
    }
    if (spec.type == 'l') archive_entry_copy_symlink(entry, spec.content.c_str());
    if (spec.type == 'h') archive_entry_copy_hardlink(entry, spec.content.c_str());
    if (spec.type == 'f')
      archive_entry_set_size(entry, static_cast<la_int64_t>(spec.content.size()));
    archive_write_header(a, entry);
    if (spec.type == 'f') archive_write_data(a, spec.content.data(), spec.content.size());
  }
  archive_entry_free(entry);
  archive_write_close(a);
  archive_write_free(a);
  return bytes;
}

/// One parsed header of a tar stream, as libarchive reads it back.
struct ReadEntry {
  std::string name;
  mode_t mode = 0;  // type and permissions
  int64_t uid = 0, gid = 0;
  std::string uname, gname;
  int64_t mtime = 0;
  long mtime_nsec = 0;
  bool atime_set = false, ctime_set = false;
  int64_t size = 0;
  std::string symlink, hardlink;
  unsigned rdev_major = 0, rdev_minor = 0;
  std::map<std::string, std::string> xattrs;
  std::string data;
};

/// Parses a tar stream held in memory.
inline std::vector<ReadEntry> ReadTar(const std::string& bytes) {
  std::vector<ReadEntry> result;
  ScopedUtf8Locale locale;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    ADD_FAILURE() << archive_error_string(a);
  }
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    ReadEntry e;
    e.name = archive_entry_pathname(entry);
    e.mode = archive_entry_mode(entry);
    e.uid = archive_entry_uid(entry);
    e.gid = archive_entry_gid(entry);
    if (archive_entry_uname(entry)) e.uname = archive_entry_uname(entry);
    if (archive_entry_gname(entry)) e.gname = archive_entry_gname(entry);
    e.mtime = archive_entry_mtime(entry);
    e.mtime_nsec = archive_entry_mtime_nsec(entry);
    e.atime_set = archive_entry_atime_is_set(entry);
    e.ctime_set = archive_entry_ctime_is_set(entry);
    e.size = archive_entry_size(entry);
    if (archive_entry_symlink(entry)) e.symlink = archive_entry_symlink(entry);
    if (archive_entry_hardlink(entry)) e.hardlink = archive_entry_hardlink(entry);
    e.rdev_major = archive_entry_rdevmajor(entry);
    e.rdev_minor = archive_entry_rdevminor(entry);
    const char* name;
    const void* value;
    size_t size;
    archive_entry_xattr_reset(entry);
    while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
      e.xattrs[name] = std::string(static_cast<const char*>(value), size);
    }
    char buffer[65536];
    la_ssize_t got;
    while ((got = archive_read_data(a, buffer, sizeof(buffer))) > 0) {
      e.data.append(buffer, static_cast<size_t>(got));
    }
    result.push_back(std::move(e));
  }
  archive_read_free(a);
  return result;
}

inline std::vector<std::string> Names(const std::vector<ReadEntry>& entries) {
  std::vector<std::string> names;
  for (const ReadEntry& e : entries) names.push_back(e.name);
  return names;
}

}  // namespace imgbuild::layers::testing

#endif  // IMGBUILD_TESTS_LAYERS_TAR_FIXTURES_H_
