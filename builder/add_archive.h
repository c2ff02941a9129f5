// ADD's local archives: which files are extracted instead of copied.
#ifndef IMGBUILD_BUILDER_ADD_ARCHIVE_H_
#define IMGBUILD_BUILDER_ADD_ARCHIVE_H_

#include <string>

namespace imgbuild::builder {

/// True when the regular file at `path` is a tar archive, plain or
/// compressed with gzip, bzip2, xz or zstd, recognised by content (not by
/// name) as Docker does: the stream decompresses and its first tar header
/// reads. Anything else, an empty archive or a corrupt one included, is
/// copied as a file. Throws Error naming the path when it cannot be opened.
bool IsExtractableArchive(const std::string& path);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_ADD_ARCHIVE_H_
