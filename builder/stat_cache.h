// Content digests of context files, remembered by what lstat says about
// them (path, size, mtime and ctime with nanoseconds, inode, mode; the
// ctime catches rewrites whose mtime was restored, as git's does), so that hashing
// an unchanged context for cache keys reads no file again. The cache is a
// file under the store's metadata, one per context directory; a missing or
// damaged cache file only costs a re-read.
//
// A file modified within the timestamp granularity after it was hashed
// would keep its stat fields (git's "racily clean" problem), so digests of
// files whose mtime is less than two seconds old are used for this build
// but not saved.
#ifndef IMGBUILD_BUILDER_STAT_CACHE_H_
#define IMGBUILD_BUILDER_STAT_CACHE_H_

#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "layers/digest.h"

namespace imgbuild::builder {

class StatCache {
 public:
  /// An empty cache that is never saved.
  StatCache() = default;

  /// Loads the cache kept in `file`; a missing, unreadable or malformed
  /// file (wrong magic, version, length or checksum) gives an empty cache
  /// (it is rebuilt). Never throws for content.
  static StatCache Load(const std::string& file);

  /// Replaces `file` atomically with the entries looked up or added since
  /// Load (entries of files that were not looked at are dropped, so the
  /// cache never grows beyond one context). The directory of `file` must
  /// exist. Throws Error naming the file.
  void Save(const std::string& file) const;

  /// The sha256 of the regular file at `path` whose lstat result is `st`:
  /// from the cache when path and stat fields match, else by reading the
  /// file. Thread-safe. Throws Error naming the path when it cannot be read
  /// or changed while being read.
  layers::Digest FileDigest(const std::string& path, const struct stat& st);

  /// Files read (not answered from the cache) so far; tests and progress use it.
  size_t files_read() const;

 private:
  struct Entry {
    int64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    uint64_t ino = 0;
    uint32_t mode = 0;
    std::array<unsigned char, 32> sha256{};
    bool racy = false;  // too recent to trust in a later build: not saved
  };
  using EntryMap = std::unordered_map<std::string, Entry>;
  explicit StatCache(EntryMap loaded) : loaded_(std::move(loaded)) {}
  static bool Matches(const Entry& entry, const struct stat& st);

  mutable std::mutex mutex_;
  EntryMap loaded_;
  std::map<std::string, Entry> used_;  // sorted: Save writes the same bytes for the same state
  size_t files_read_ = 0;
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_STAT_CACHE_H_
