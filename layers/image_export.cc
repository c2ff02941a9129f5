#include "layers/image_export.h"

#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <set>

#include "layers/store.h"
#include "layers/tar_stream.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

constexpr size_t kCopyChunk = 1 << 20;

// Streams a store blob to `write` in chunks, checking its size and digest.
void CopyVerifiedBlob(const Store& store, const Digest& digest, int64_t size,
                      const std::function<void(const void*, size_t)>& write) {
  UniqueFd fd = store.OpenBlob(digest);
  std::string path = store.BlobPath(digest);
  Hasher hasher(digest.algorithm());
  std::vector<char> buffer(kCopyChunk);
  int64_t left = size;
  while (left > 0) {
    size_t want = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(kCopyChunk)));
    size_t got = ReadSome(fd.get(), buffer.data(), want, path);
    if (got == 0) Fail("blob {} shrank while it was exported", digest.ToString());
    hasher.Update(buffer.data(), got);
    write(buffer.data(), got);
    left -= static_cast<int64_t>(got);
  }
  Digest actual = hasher.Finish();
  if (actual != digest) {
    Fail("blob {} in store {} is corrupt (its content hashes to {}); nothing was exported; check "
         "the store with `imgbuild fsck`",
         digest.ToString(), store.root(), actual.ToString());
  }
}

ExportResult Totals(const ExportPlan& plan) {
  ExportResult result;
  for (const auto& [digest, size] : plan.blobs) {
    ++result.blobs;
    result.blob_bytes += size;
  }
  return result;
}

struct EntryFree {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

// Writes normalised tar entries: only the name, type, size and permissions vary.
class NormalizedTar {
 public:
  explicit NormalizedTar(ByteSink& sink) : stream_(sink), entry_(archive_entry_new()) {
    if (!entry_) Fail("cannot allocate a tar entry (out of memory)");
  }

  void Directory(const std::string& name) { Header(name, AE_IFDIR, 0755, 0); }

  void File(const std::string& name, const std::string& bytes) {
    Header(name, AE_IFREG, 0644, static_cast<int64_t>(bytes.size()));
    stream_.WriteData(bytes.data(), bytes.size());
  }

  void Blob(const Store& store, const Digest& digest, int64_t size) {
    Header(LayoutBlobPath(digest), AE_IFREG, 0644, size);
    CopyVerifiedBlob(store, digest, size,
                     [this](const void* data, size_t length) { stream_.WriteData(data, length); });
  }

  void Finish() { stream_.Finish(); }

 private:
  void Header(const std::string& name, unsigned type, int perm, int64_t size) {
    archive_entry* entry = entry_.get();
    archive_entry_clear(entry);
    archive_entry_copy_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, type);
    archive_entry_set_perm(entry, perm);
    archive_entry_set_uid(entry, 0);
    archive_entry_set_gid(entry, 0);
    archive_entry_set_mtime(entry, 0, 0);
    archive_entry_set_size(entry, size);
    stream_.WriteHeader(entry);
  }

  TarStream stream_;
  std::unique_ptr<archive_entry, EntryFree> entry_;
};

// Every member in name order: "blobs", "blobs/sha256", its blobs, then the files.
void WriteArchiveMembers(const Store& store, const ExportPlan& plan, NormalizedTar& tar) {
  std::set<std::string> algorithm_dirs;
  for (const auto& [digest, size] : plan.blobs) {
    algorithm_dirs.insert("blobs/" + std::string(digest.algorithm_name()));
  }
  tar.Directory("blobs");
  for (const std::string& dir : algorithm_dirs) {
    tar.Directory(dir);
    // std::map orders sha256 digests before sha512 ones, matching the directory order.
    for (const auto& [digest, size] : plan.blobs) {
      if (LayoutBlobPath(digest).starts_with(dir + "/")) tar.Blob(store, digest, size);
    }
  }
  for (const auto& [name, bytes] : plan.files) tar.File(name, bytes);
}

void MakeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) FailErrno("create directory " + path);
}

void WriteLayoutInto(const Store& store, const ExportPlan& plan, const std::string& dir) {
  for (const auto& [digest, size] : plan.blobs) {
    MakeDirectory(dir + "/blobs");
    MakeDirectory(dir + "/blobs/" + std::string(digest.algorithm_name()));
    std::string path = dir + "/" + LayoutBlobPath(digest);
    UniqueFd out = OpenOrThrow(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    CopyVerifiedBlob(store, digest, size, [&](const void* data, size_t length) {
      WriteAll(out.get(), data, length, path);
    });
    SyncFd(out.get(), path);
  }
  for (const auto& [name, bytes] : plan.files) {
    WriteFileAtomically(dir + "/" + name, bytes);
  }
}

// Makes way for the new layout: `path` must be missing or an empty
// directory, which is removed. Throws Error for anything else.
void ClearDestinationDirectory(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return;
    FailErrno("stat " + path);
  }
  if (!S_ISDIR(info.st_mode) || ::rmdir(path.c_str()) != 0) {
    Fail("cannot export to {}: it exists and is not an empty directory; remove it or choose "
         "another path",
         path);
  }
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

ExportResult ExportLayoutDirectory(const Store& store, const std::vector<ExportImage>& images,
                                   const std::string& destination,
                                   const ExportOptions& options) {
  ExportPlan plan = PlanExport(store, images, ExportFormat::kOciLayout, options);
  std::string clean = destination;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  TempDir staging("." + BaseName(clean) + ".tmp-", ParentDirectory(clean));
  if (::chmod(staging.path().c_str(), 0755) != 0) FailErrno("chmod " + staging.path());
  WriteLayoutInto(store, plan, staging.path());
  ClearDestinationDirectory(clean);
  if (::rename(staging.path().c_str(), clean.c_str()) != 0) {
    FailErrno("rename " + staging.path() + " to " + clean);
  }
  staging.Release();
  SyncDirectory(ParentDirectory(clean));
  return Totals(plan);
}

ExportResult WriteImageArchive(const Store& store, const std::vector<ExportImage>& images,
                               ExportFormat format, ByteSink& sink,
                               const ExportOptions& options) {
  if (format == ExportFormat::kOciLayout) Fail("an OCI layout is a directory, not an archive");
  ExportPlan plan = PlanExport(store, images, format, options);
  NormalizedTar tar(sink);
  WriteArchiveMembers(store, plan, tar);
  tar.Finish();
  return Totals(plan);
}

ExportResult ExportImageArchive(const Store& store, const std::vector<ExportImage>& images,
                                ExportFormat format, const std::string& destination,
                                const ExportOptions& options) {
  TempFile file(ParentDirectory(destination), "." + BaseName(destination) + ".tmp-");
  FdSink sink(file.fd(), file.path());
  ExportResult result = WriteImageArchive(store, images, format, sink, options);
  file.Commit(destination);
  return result;
}

}  // namespace imgbuild::layers
