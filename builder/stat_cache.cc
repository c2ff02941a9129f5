#include "builder/stat_cache.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "util/atomic_file.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::builder {
namespace {

// Format: magic, then records (path length u32, path, size i64, mtime_ns
// i64, ctime_ns i64, inode u64, mode u32, sha256 32 bytes), then the
// sha256 of everything before it. Native byte order: the file never leaves
// this machine.
constexpr std::string_view kMagic = "imgbuild-statcache-v1\n";
constexpr size_t kDigestSize = 32;
constexpr size_t kMaxCacheFileSize = size_t{1} << 30;
constexpr int64_t kRacyWindowNs = 2'000'000'000;

int64_t Nanoseconds(const struct timespec& time) {
  return static_cast<int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

int64_t NowNs() {
  struct timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

template <typename T>
void Put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

// Reads fixed-size fields from a byte range; fails softly at the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  bool Get(T* value) {
    if (bytes_.size() < sizeof(T)) return false;
    std::memcpy(value, bytes_.data(), sizeof(T));
    bytes_.remove_prefix(sizeof(T));
    return true;
  }
  bool GetBytes(size_t size, std::string_view* out) {
    if (bytes_.size() < size) return false;
    *out = bytes_.substr(0, size);
    bytes_.remove_prefix(size);
    return true;
  }
  bool done() const { return bytes_.empty(); }

 private:
  std::string_view bytes_;
};

std::array<unsigned char, kDigestSize> RawSha256(const layers::Digest& digest) {
  std::array<unsigned char, kDigestSize> raw{};
  const std::string& hex = digest.hex();
  for (size_t i = 0; i < kDigestSize; ++i) {
    raw[i] = static_cast<unsigned char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  return raw;
}

std::string Sha256Bytes(std::string_view bytes) {
  std::array<unsigned char, kDigestSize> raw = RawSha256(layers::DigestOf(bytes));
  return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

// O_NOATIME keeps hashing from dirtying inodes; only the owner (or root)
// may use it.
UniqueFd OpenForHashing(const std::string& path) {
  constexpr int kFlags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd(open(path.c_str(), kFlags | O_NOATIME));
  if (!fd.valid() && errno == EPERM) fd.Reset(open(path.c_str(), kFlags));
  if (!fd.valid()) FailErrno("open " + path);
  return fd;
}

layers::Digest HashOpenFile(int fd, const std::string& path) {
  layers::Hasher hasher;
  // One buffer per thread: a fresh megabyte per file costs more than
  // hashing a small file (mmap, page faults, zeroing).
  thread_local std::vector<char> buffer(size_t{1} << 20);
  while (size_t got = ReadSome(fd, buffer.data(), buffer.size(), path)) {
    hasher.Update(buffer.data(), got);
  }
  return hasher.Finish();
}

}  // namespace

bool StatCache::Matches(const Entry& entry, const struct stat& st) {
  return entry.size == st.st_size && entry.mtime_ns == Nanoseconds(st.st_mtim) &&
         entry.ctime_ns == Nanoseconds(st.st_ctim) && entry.ino == st.st_ino &&
         entry.mode == st.st_mode;
}

StatCache StatCache::Load(const std::string& file) {
  std::string bytes;
  try {
    bytes = ReadFileToString(file, kMaxCacheFileSize);
  } catch (const Error&) {
    return StatCache();  // missing or unreadable: start over
  }
  if (!bytes.starts_with(kMagic) || bytes.size() < kMagic.size() + kDigestSize) return StatCache();
  std::string_view body(bytes.data(), bytes.size() - kDigestSize);
  if (Sha256Bytes(body) != std::string_view(bytes).substr(body.size())) return StatCache();
  Reader reader(body.substr(kMagic.size()));
  EntryMap entries;
  while (!reader.done()) {
    uint32_t path_size = 0;
    std::string_view path, sha256;
    Entry entry;
    if (!reader.Get(&path_size) || !reader.GetBytes(path_size, &path) ||
        !reader.Get(&entry.size) || !reader.Get(&entry.mtime_ns) ||
        !reader.Get(&entry.ctime_ns) || !reader.Get(&entry.ino) ||
        !reader.Get(&entry.mode) || !reader.GetBytes(kDigestSize, &sha256)) {
      return StatCache();
    }
    std::memcpy(entry.sha256.data(), sha256.data(), kDigestSize);
    entries.emplace(path, entry);
  }
  return StatCache(std::move(entries));
}

void StatCache::Save(const std::string& file) const {
  std::string bytes(kMagic);
  {
    std::lock_guard lock(mutex_);
    size_t size = kMagic.size() + kDigestSize;
    for (const auto& [path, entry] : used_) size += path.size() + sizeof(Entry) + 4;
    bytes.reserve(size);
    for (const auto& [path, entry] : used_) {
      if (entry.racy) continue;
      Put(bytes, static_cast<uint32_t>(path.size()));
      bytes += path;
      Put(bytes, entry.size);
      Put(bytes, entry.mtime_ns);
      Put(bytes, entry.ctime_ns);
      Put(bytes, entry.ino);
      Put(bytes, entry.mode);
      bytes.append(reinterpret_cast<const char*>(entry.sha256.data()), kDigestSize);
    }
  }
  bytes += Sha256Bytes(bytes);
  try {
    WriteFileAtomically(file, bytes);
  } catch (const Error& error) {
    Fail("save the stat cache {}: {}", file, error.what());
  }
}

layers::Digest StatCache::FileDigest(const std::string& path, const struct stat& st) {
  {
    std::lock_guard lock(mutex_);
    auto used = used_.find(path);
    if (used != used_.end() && Matches(used->second, st)) {
      return layers::Digest::FromBytes(layers::DigestAlgorithm::kSha256,
                                       used->second.sha256.data(), kDigestSize);
    }
    auto loaded = loaded_.find(path);
    if (loaded != loaded_.end() && Matches(loaded->second, st)) {
      Entry& entry = used_[path] = loaded->second;
      loaded_.erase(loaded);
      return layers::Digest::FromBytes(layers::DigestAlgorithm::kSha256, entry.sha256.data(),
                                       kDigestSize);
    }
  }
  UniqueFd fd = OpenForHashing(path);
  layers::Digest digest = HashOpenFile(fd.get(), path);
  struct stat after {};
  if (fstat(fd.get(), &after) != 0) FailErrno("stat " + path);
  Entry entry{st.st_size,    Nanoseconds(st.st_mtim), Nanoseconds(st.st_ctim),
              st.st_ino,     st.st_mode,              RawSha256(digest),
              false};
  if (!Matches(entry, after)) {
    Fail("{} changed while it was being read; run the build again once it is stable", path);
  }
  entry.racy = Nanoseconds(st.st_mtim) > NowNs() - kRacyWindowNs;
  std::lock_guard lock(mutex_);
  used_[path] = entry;
  ++files_read_;
  return digest;
}

size_t StatCache::files_read() const {
  std::lock_guard lock(mutex_);
  return files_read_;
}

}  // namespace imgbuild::builder
