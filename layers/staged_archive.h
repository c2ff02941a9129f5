// An image archive read in one pass: its small top-level files (index.json,
// oci-layout, manifest.json, repositories) in memory, every other file
// streamed into a BlobStaging, and a table of members for resolving the
// paths manifest.json gives (through links, never outside the archive).
#ifndef IMGBUILD_LAYERS_STAGED_ARCHIVE_H_
#define IMGBUILD_LAYERS_STAGED_ARCHIVE_H_

#include <map>
#include <optional>
#include <string>

#include "layers/blob_staging.h"
#include "layers/digest.h"
#include "layers/image_archive_reader.h"

namespace imgbuild::layers {

class StagedArchive {
 public:
  /// Largest index.json, oci-layout, manifest.json or repositories read.
  static constexpr size_t kMaxTopLevelFileSize = 16 << 20;

  /// Reads the archive at `path`, staging its files into `staging`. A
  /// "blobs/<alg>/<hex>" member must hash to its name. Throws Error naming
  /// the member for a mismatch, a duplicate file, or anything
  /// ImageArchiveReader refuses.
  StagedArchive(const std::string& path, BlobStaging& staging);

  const std::string& path() const { return path_; }

  /// The content of a top-level file, nullopt when the archive lacks it.
  std::optional<std::string> TopLevelFile(const std::string& name) const;

  /// The digest of the staged file that `path` (relative to the archive
  /// root, as manifest.json writes it) names, following links inside the
  /// archive. Throws Error quoting `field` (e.g. "manifest.json [0].Config")
  /// when the path leaves the archive, is missing, is a directory or loops.
  Digest Resolve(const std::string& path, const std::string& field) const;

 private:
  struct Member {
    ArchiveMember::Type type;
    std::string link_target;
    std::optional<Digest> digest;  // files
  };
  void Stage(ImageArchiveReader& reader, const ArchiveMember& member, BlobStaging& staging);

  std::string path_;
  std::map<std::string, std::string> top_level_files_;
  std::map<std::string, Member> members_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_STAGED_ARCHIVE_H_
