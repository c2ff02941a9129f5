// Reading an image archive (an OCI archive or a docker-archive: a tar,
// optionally gzip- or zstd-compressed) member by member, refusing what no
// image archive holds: names that leave the archive, devices, sizes beyond
// reason, truncated or corrupt streams. Errors name the archive and member.
#ifndef IMGBUILD_LAYERS_IMAGE_ARCHIVE_READER_H_
#define IMGBUILD_LAYERS_IMAGE_ARCHIVE_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layers/archive_util.h"
#include "layers/sink.h"
#include "util/fd.h"

namespace imgbuild::layers {

/// One member of an image archive.
struct ArchiveMember {
  enum class Type { kFile, kDirectory, kSymlink, kHardlink };
  std::string name;  // clean relative path: no "", "." or ".." components
  Type type = Type::kFile;
  int64_t size = 0;         // data bytes (files)
  std::string link_target;  // symlinks: as written; hardlinks: a clean archive path
};

class ImageArchiveReader {
 public:
  /// Members larger than this are refused as absurd.
  static constexpr int64_t kMaxMemberSize = int64_t{1} << 40;

  /// Opens the archive at `path`. Throws Error naming it when it cannot be
  /// opened or read.
  explicit ImageArchiveReader(const std::string& path);
  ImageArchiveReader(const ImageArchiveReader&) = delete;
  ImageArchiveReader& operator=(const ImageArchiveReader&) = delete;

  /// The next member, nullopt at the end of the archive. Throws Error naming
  /// the member for a name with ".." or a leading "/", a type other than
  /// file, directory or link, an absurd size; and naming the archive when it
  /// is not a tar or is corrupt or truncated.
  std::optional<ArchiveMember> Next();

  /// Streams the current member's data into `sink` (without closing it).
  /// Throws Error naming the member when the data is truncated or corrupt,
  /// or rethrows what the sink threw.
  void CopyData(ByteSink& sink);

  /// The current member's data; throws Error naming it when it holds more
  /// than `max_size` bytes, or like CopyData.
  std::string ReadData(size_t max_size);

  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void FailArchive(const std::string& context) const;
  ArchiveMember Describe(archive_entry* entry) const;

  std::string path_;
  UniqueFd fd_;
  int64_t file_size_ = 0;
  bool compressed_ = false;
  ArchiveReader archive_;
  std::string current_;  // name of the member being read, "" before the first
  std::vector<char> buffer_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_IMAGE_ARCHIVE_READER_H_
