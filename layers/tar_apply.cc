#include "layers/tar_apply.h"

#include <fcntl.h>

#include "layers/layer_extractor.h"
#include "layers/layer_reader.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::layers {
namespace {

std::string EntryName(archive_entry* entry) {
  const char* name = archive_entry_pathname(entry);
  return name != nullptr ? name : "";
}

}  // namespace

ApplyResult ApplyLayer(int fd, const std::string& what, const std::string& target,
                       const ApplyOptions& options) {
  UniqueFd target_fd = OpenOrThrow(target, O_RDONLY | O_DIRECTORY);
  return ApplyLayerAt(fd, what, target_fd.get(), target, options);
}

ApplyResult ApplyLayerAt(int fd, const std::string& what, int target_fd,
                         const std::string& target, const ApplyOptions& options) {
  LayerReader reader(fd, what, options.bzip2_and_xz);
  LayerExtractor extractor(target_fd, target, options);
  uint64_t entries = 0;
  while (archive_entry* entry = reader.Next()) {
    try {
      extractor.Extract(entry, reader);
    } catch (const LayerReadError&) {
      throw;  // already names the stream and the entry
    } catch (const Error& error) {
      Fail("apply layer {} to {}: entry \"{}\": {}", what, target, EntryName(entry), error.what());
    }
    ++entries;
  }
  extractor.Finish();
  Digest diff_id = reader.Finish();
  if (options.expected_diff_id && diff_id != *options.expected_diff_id) {
    Fail("apply layer {}: its uncompressed content has digest {} but {} was expected; the layer "
         "is corrupt or is not the one the image refers to",
         what, diff_id.ToString(), options.expected_diff_id->ToString());
  }
  return {diff_id, reader.uncompressed_bytes(), entries};
}

ApplyResult ApplyLayerFile(const std::string& layer_path, const std::string& target,
                           const ApplyOptions& options) {
  UniqueFd fd = OpenOrThrow(layer_path, O_RDONLY);
  return ApplyLayer(fd.get(), layer_path, target, options);
}

}  // namespace imgbuild::layers
