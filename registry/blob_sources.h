// Which registry repositories are known to hold a blob, so that a push can
// ask the registry to mount it from there instead of uploading it. Pulls
// and pushes record what they transferred in the store's metadata
// (.imgbuild/registry/blob-sources.json).
#ifndef IMGBUILD_REGISTRY_BLOB_SOURCES_H_
#define IMGBUILD_REGISTRY_BLOB_SOURCES_H_

#include <string>
#include <string_view>
#include <vector>

#include "layers/digest.h"
#include "layers/store.h"

namespace imgbuild::registry {

class BlobSources {
 public:
  /// Repositories remembered per blob; older ones are forgotten first.
  static constexpr size_t kMaxRepositoriesPerBlob = 8;

  explicit BlobSources(const layers::Store& store) : store_(store) {}

  /// Remembers that `repository` ("host:5000/ns/app") holds `digests`, and
  /// forgets blobs no longer in the store; does nothing when `repository`
  /// is already the latest known for each. Takes the store lock to write.
  /// Throws Error when the record cannot be written.
  void Record(std::string_view repository, const std::vector<layers::Digest>& digests) const;

  /// Repositories of `registry` (as "ns/app", most recent first) known to
  /// hold `digest`. An unreadable record counts as empty: it is only a hint.
  std::vector<std::string> RepositoriesWith(const layers::Digest& digest,
                                            std::string_view registry) const;

  /// The record's path.
  std::string Path() const;

 private:
  const layers::Store& store_;
};

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_BLOB_SOURCES_H_
