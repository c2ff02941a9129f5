// Writes tar entries into a target directory, one at a time, with the
// overlay or delete whiteout rules of ApplyOptions. All path resolution
// goes through safe_path.h, so entries cannot reach outside the target.
#ifndef IMGBUILD_LAYERS_LAYER_EXTRACTOR_H_
#define IMGBUILD_LAYERS_LAYER_EXTRACTOR_H_

#include <archive_entry.h>
#include <sys/stat.h>

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "layers/layer_reader.h"
#include "layers/tar_apply.h"
#include "util/fd.h"

namespace imgbuild::layers {

/// Extracts entries into one target directory.
class LayerExtractor {
 public:
  /// Extracts into the directory open as `target_fd` (duplicated, not
  /// owned); `target` names it in messages. Throws Error if it cannot be
  /// duplicated.
  LayerExtractor(int target_fd, const std::string& target, const ApplyOptions& options);

  /// Creates, replaces or whites out what `entry` describes, reading its
  /// data from `reader`. Throws Error saying what is wrong with the entry
  /// (the caller adds which entry), LayerReadError for unreadable data.
  void Extract(archive_entry* entry, LayerReader& reader);

  /// Sets directory mtimes, which creating their content changed. Call once
  /// after the last entry. Throws Error naming the directory.
  void Finish();

 private:
  void ApplyRoot(archive_entry* entry);
  void Whiteout(const std::string& parent, std::string_view name, archive_entry* entry);
  void MakeOpaque(const std::string& parent);
  void ClearExceptUnpacked(int dir_fd, const std::string& path);
  void ReplaceExisting(int dir_fd, const std::string& name, bool keep_directory);
  void Link(int dir_fd, const std::string& name, const char* target);
  void CreateFile(int dir_fd, const std::string& name, archive_entry* entry, LayerReader& reader);
  void WriteData(int fd, archive_entry* entry, LayerReader& reader);
  void CreateDirectory(int dir_fd, const std::string& name, archive_entry* entry);
  void CreateSymlink(int dir_fd, const std::string& name, archive_entry* entry);
  void CreateNode(int dir_fd, const std::string& name, archive_entry* entry);
  void SetOwnerModeXattrs(int fd, archive_entry* entry);
  uid_t Uid(archive_entry* entry) const;
  gid_t Gid(archive_entry* entry) const;
  void DeferDirectoryTimes(archive_entry* entry);
  void RecordUnpacked();

  const ApplyOptions& options_;
  UniqueFd root_;
  std::string target_;
  std::string path_;  // clean path of the entry being extracted
  std::vector<std::pair<std::string, struct timespec>> directory_times_;
  std::unordered_set<std::string> unpacked_;  // kDelete: paths this layer wrote
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_LAYER_EXTRACTOR_H_
