#include "layers/tar_writer.h"

#include <archive_entry.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <unordered_map>

#include "layers/tar_stream.h"
#include "layers/xattrs.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::layers {
namespace {

constexpr size_t kReadChunk = 1 << 20;

struct EntryFree {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

// Identifies an inode as it appears in the layer: links only join entries
// that also get the same metadata override.
struct LinkKey {
  dev_t dev;
  ino_t ino;
  const MetadataOverride* override;
  bool operator==(const LinkKey&) const = default;
};

struct LinkKeyHash {
  size_t operator()(const LinkKey& key) const {
    return std::hash<ino_t>()(key.ino) ^ (std::hash<dev_t>()(key.dev) << 1) ^
           std::hash<const void*>()(key.override);
  }
};

bool KeepForUpper(std::string_view name) {
  return IsLayerXattr(name) || IsLowerDependentOverlayXattr(name);
}

// Opens a file for streaming; O_NOATIME keeps reads from touching atime but
// is refused for files of other owners without CAP_FOWNER.
UniqueFd OpenForReading(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) FailErrno("open " + path);
  return UniqueFd(fd);
}

// Turns planned entries into normalised tar entries.
class LayerTarWriter {
 public:
  LayerTarWriter(ByteSink& sink, const TarWriterOptions& options, bool overlay_upper)
      : stream_(sink), options_(options), entry_(archive_entry_new()),
        keep_xattr_(overlay_upper ? &KeepForUpper : &IsLayerXattr) {
    if (!entry_) Fail("cannot allocate a tar entry (out of memory)");
  }

  TarWriteResult Write(const LayerPlan& plan) {
    for (const PlannedEntry& planned : plan.entries) WriteEntry(planned);
    stream_.Finish();
    return {entries_, stream_.bytes_written(), plan.notes};
  }

 private:
  void WriteEntry(const PlannedEntry& planned) {
    archive_entry* entry = entry_.get();
    archive_entry_clear(entry);
    archive_entry_copy_pathname(entry, planned.name.c_str());
    if (planned.kind == PlannedKind::kWhiteoutMarker) return WriteMarker(planned);
    SetMetadata(planned);
    const FileMeta& meta = planned.meta;
    if (!S_ISDIR(meta.mode) && meta.nlink > 1 && WriteIfLink(planned)) return;
    switch (meta.mode & S_IFMT) {
      case S_IFREG: return WriteFile(planned);
      case S_IFDIR: AddXattrs(-1, planned.source); break;
      case S_IFLNK: archive_entry_copy_symlink(entry, ReadLink(planned).c_str()); break;
      case S_IFCHR:
      case S_IFBLK:
        archive_entry_set_rdevmajor(entry, major(meta.rdev));
        archive_entry_set_rdevminor(entry, minor(meta.rdev));
        break;
      case S_IFIFO:
        break;
      default:
        Fail("{}: file type {:o} cannot be stored in a layer", planned.source, meta.mode & S_IFMT);
    }
    WriteHeader();
  }

  void SetMetadata(const PlannedEntry& planned) {
    const FileMeta& meta = planned.meta;
    const MetadataOverride* override = planned.override;
    archive_entry* entry = entry_.get();
    archive_entry_set_filetype(entry, meta.mode & S_IFMT);
    mode_t perm = meta.mode & 07777;
    if (override && override->mode && !S_ISLNK(meta.mode)) perm = *override->mode & 07777;
    archive_entry_set_perm(entry, perm);
    archive_entry_set_uid(entry, override && override->uid ? *override->uid : meta.uid);
    archive_entry_set_gid(entry, override && override->gid ? *override->gid : meta.gid);
    archive_entry_set_mtime(entry, ClampedMtime(meta), 0);
  }

  int64_t ClampedMtime(const FileMeta& meta) const {
    return options_.epoch && meta.mtime > *options_.epoch ? *options_.epoch : meta.mtime;
  }

  // ".wh.NAME" and ".wh..wh..opq": empty files carrying the owner,
  // permissions and mtime of the object they stand for, as Docker writes them.
  void WriteMarker(const PlannedEntry& planned) {
    archive_entry* entry = entry_.get();
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, planned.meta.mode & 0777);
    archive_entry_set_uid(entry, planned.meta.uid);
    archive_entry_set_gid(entry, planned.meta.gid);
    archive_entry_set_mtime(entry, ClampedMtime(planned.meta), 0);
    archive_entry_set_size(entry, 0);
    WriteHeader();
  }

  // Writes a hardlink entry when an earlier entry has the same inode;
  // otherwise remembers this one as the link target and returns false.
  bool WriteIfLink(const PlannedEntry& planned) {
    LinkKey key{planned.meta.dev, planned.meta.ino, planned.override};
    auto [it, inserted] = links_.try_emplace(key, planned.name);
    if (inserted) return false;
    archive_entry_copy_hardlink(entry_.get(), it->second.c_str());
    archive_entry_set_size(entry_.get(), 0);
    WriteHeader();
    return true;
  }

  void WriteFile(const PlannedEntry& planned) {
    UniqueFd fd = OpenForReading(planned.source);
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) FailErrno("stat " + planned.source);
    if (st.st_ino != planned.meta.ino || st.st_dev != planned.meta.dev) {
      Fail("{} was replaced while the layer was being written", planned.source);
    }
    AddXattrs(fd.get(), planned.source);
    archive_entry_set_size(entry_.get(), st.st_size);
    WriteHeader();
    StreamData(fd.get(), planned.source, static_cast<uint64_t>(st.st_size));
  }

  void StreamData(int fd, const std::string& path, uint64_t size) {
    if (buffer_.empty()) buffer_.resize(kReadChunk);
    // Worth a syscall only when the file spans several reads.
    if (size > kReadChunk) posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    while (size > 0) {
      size_t want = size < buffer_.size() ? static_cast<size_t>(size) : buffer_.size();
      size_t got = ReadSome(fd, buffer_.data(), want, path);
      if (got == 0) Fail("{} shrank while the layer was being written", path);
      stream_.WriteData(buffer_.data(), got);
      size -= got;
    }
  }

  void AddXattrs(int fd, const std::string& path) {
    ReadXattrs(fd, path, keep_xattr_, xattrs_);
    for (const Xattr& xattr : xattrs_) {
      if (IsLowerDependentOverlayXattr(xattr.name)) {
        Fail("{} has the overlay xattr {}, so it depends on the lower layers; mount the overlay "
             "with redirect_dir=off,metacopy=off",
             path, xattr.name);
      }
      archive_entry_xattr_add_entry(entry_.get(), xattr.name.c_str(), xattr.value.data(),
                                    xattr.value.size());
    }
  }

  const std::string& ReadLink(const PlannedEntry& planned) {
    link_target_.resize(static_cast<size_t>(planned.meta.size) + 1);
    while (true) {
      ssize_t size = readlink(planned.source.c_str(), link_target_.data(), link_target_.size());
      if (size < 0) FailErrno("read symlink " + planned.source);
      if (static_cast<size_t>(size) < link_target_.size()) {
        link_target_.resize(static_cast<size_t>(size));
        return link_target_;
      }
      link_target_.resize(link_target_.size() * 2);  // it grew since lstat
    }
  }

  void WriteHeader() {
    stream_.WriteHeader(entry_.get());
    ++entries_;
  }

  TarStream stream_;
  const TarWriterOptions& options_;
  std::unique_ptr<archive_entry, EntryFree> entry_;
  XattrFilter keep_xattr_;
  std::unordered_map<LinkKey, std::string, LinkKeyHash> links_;
  std::vector<Xattr> xattrs_;
  std::vector<char> buffer_;
  std::string link_target_;
  uint64_t entries_ = 0;
};

}  // namespace

TarWriteResult WriteDirectoryLayer(const std::string& dir, ByteSink& sink,
                                   const TarWriterOptions& options) {
  return LayerTarWriter(sink, options, false).Write(PlanDirectory(dir));
}

TarWriteResult WriteOverlayUpperLayer(const std::string& upper, ByteSink& sink,
                                      const TarWriterOptions& options) {
  return LayerTarWriter(sink, options, true).Write(PlanOverlayUpper(upper, options.overlay_xattrs));
}

TarWriteResult WriteEntriesLayer(const std::vector<CopyEntry>& entries, ByteSink& sink,
                                 const TarWriterOptions& options) {
  return LayerTarWriter(sink, options, false).Write(PlanEntries(entries));
}

}  // namespace imgbuild::layers
