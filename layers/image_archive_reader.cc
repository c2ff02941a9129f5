#include "layers/image_archive_reader.h"

#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "layers/safe_path.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

constexpr size_t kReadChunk = 1 << 20;

// A member name as the archive spells it, for messages.
std::string RawName(archive_entry* entry) {
  const char* name = archive_entry_pathname(entry);
  return name != nullptr ? name : "";
}

// Cleans a member name or hardlink target; ".." and absolute names would
// let a member stand for a file outside the archive.
std::string CleanMemberPath(const std::string& archive, const std::string& member,
                            std::string_view path) {
  try {
    return CleanLayerPath(path, "path");
  } catch (const Error&) {
    Fail("{}: member \"{}\" points outside the archive (\"{}\" is absolute or has a \"..\" "
         "component)",
         archive, member, path);
  }
}

}  // namespace

ImageArchiveReader::ImageArchiveReader(const std::string& path)
    : path_(path), fd_(OpenOrThrow(path, O_RDONLY)), archive_(archive_read_new()),
      buffer_(kReadChunk) {
  struct stat info {};
  if (fstat(fd_.get(), &info) != 0) FailErrno("stat " + path_);
  file_size_ = static_cast<int64_t>(info.st_size);
  if (!archive_) Fail("read {}: cannot create a libarchive reader", path_);
  archive* a = archive_.get();
  if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
      archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
      archive_read_support_format_tar(a) != ARCHIVE_OK ||
      archive_read_open_fd(a, fd_.get(), kReadChunk) != ARCHIVE_OK) {
    FailArchive("cannot read it as a tar archive (plain, gzip or zstd)");
  }
}

void ImageArchiveReader::FailArchive(const std::string& context) const {
  std::string where = current_.empty() ? "" : fmt::format(" after member \"{}\"", current_);
  Fail("{}: {}{}: {}", path_, context, where, ArchiveErrorText(archive_.get()));
}

std::optional<ArchiveMember> ImageArchiveReader::Next() {
  ScopedUtf8Locale locale;
  archive_entry* entry = nullptr;
  int status = archive_read_next_header(archive_.get(), &entry);
  if (status == ARCHIVE_EOF) return std::nullopt;
  if (status < ARCHIVE_WARN) {
    FailArchive(current_.empty() ? "not a readable tar archive" : "corrupt or truncated archive");
  }
  if (archive_filter_count(archive_.get()) > 1) compressed_ = true;
  ArchiveMember member = Describe(entry);
  current_ = member.name.empty() ? RawName(entry) : member.name;
  return member;
}

ArchiveMember ImageArchiveReader::Describe(archive_entry* entry) const {
  std::string raw = RawName(entry);
  ArchiveMember member;
  member.name = CleanMemberPath(path_, raw, raw);
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG: member.type = ArchiveMember::Type::kFile; break;
    case AE_IFDIR: member.type = ArchiveMember::Type::kDirectory; break;
    case AE_IFLNK:
      member.type = ArchiveMember::Type::kSymlink;
      member.link_target = archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "";
      break;
    default:
      Fail("{}: member \"{}\" is a device, fifo or socket; image archives hold only files, "
           "directories and links",
           path_, raw);
  }
  if (const char* hardlink = archive_entry_hardlink(entry); hardlink != nullptr) {
    member.type = ArchiveMember::Type::kHardlink;
    member.link_target = CleanMemberPath(path_, raw, hardlink);
  }
  member.size = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
  if (member.size < 0 || member.size > kMaxMemberSize) {
    Fail("{}: member \"{}\" declares a size of {} bytes, more than the {} imgbuild accepts; the "
         "archive is corrupt or hostile",
         path_, raw, member.size, kMaxMemberSize);
  }
  // An uncompressed archive cannot hold more data than the file has.
  if (!compressed_ && member.size > file_size_) {
    Fail("{}: member \"{}\" declares {} bytes but the archive is only {} bytes: it is truncated",
         path_, raw, member.size, file_size_);
  }
  return member;
}

void ImageArchiveReader::CopyData(ByteSink& sink) {
  while (true) {
    la_ssize_t got = archive_read_data(archive_.get(), buffer_.data(), buffer_.size());
    if (got == 0) return;
    if (got < 0) {
      Fail("{}: member \"{}\": data is truncated or corrupt: {}", path_, current_,
           ArchiveErrorText(archive_.get()));
    }
    sink.Write(buffer_.data(), static_cast<size_t>(got));
  }
}

std::string ImageArchiveReader::ReadData(size_t max_size) {
  class LimitedString : public ByteSink {
   public:
    LimitedString(size_t limit, std::string what) : limit_(limit), what_(std::move(what)) {}
    void Write(const void* data, size_t size) override {
      if (bytes.size() + size > limit_) {
        Fail("{} holds more than the {} bytes imgbuild reads into memory", what_, limit_);
      }
      bytes.append(static_cast<const char*>(data), size);
    }
    std::string bytes;

   private:
    size_t limit_;
    std::string what_;
  };
  LimitedString sink(max_size, fmt::format("{}: member \"{}\"", path_, current_));
  CopyData(sink);
  return std::move(sink.bytes);
}

}  // namespace imgbuild::layers
