// COPY and ADD: choosing the sources (wildcards, .dockerignore, --exclude,
// directory contents, ADD's archives, URLs and heredocs), hashing them for
// the step's cache key, and writing them into a mounted root filesystem
// with Docker's destination rules.
//
// The two halves are separate calls because the cache decides in between:
// PrepareCopy runs on every build (it only stats and, through the
// StatCache, rarely reads), ApplyCopy only when the step is not cached.
// ApplyCopy writes into the merged directory of an overlay mount whose
// upper directory then becomes the layer, exactly like a RUN, so parent
// directories keep the metadata the image already gave them.
#ifndef IMGBUILD_BUILDER_COPY_STEP_H_
#define IMGBUILD_BUILDER_COPY_STEP_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "builder/cancel_token.h"
#include "builder/dockerignore.h"
#include "builder/stat_cache.h"
#include "layers/digest.h"
#include "parser/chmod.h"
#include "parser/instructions.h"

namespace imgbuild::builder {

/// A directory tree COPY or ADD reads from.
struct SourceTree {
  std::string root;                     ///< Host path: the context, or a mounted stage or image.
  const IgnoreRules* ignore = nullptr;  ///< The context's rules; null for stages and images.
  std::string description;              ///< For messages: "build context", "stage build".
};

/// What PrepareCopy needs besides the instruction and its sources.
struct CopyPreparation {
  std::string where;        ///< The instruction's "file:line", prefixed to every error.
  std::string staging_dir;  ///< Empty scratch directory for downloads and heredocs; the
                            ///< caller removes it after ApplyCopy.
  const CancelToken* cancel = nullptr;  ///< Stops downloads promptly when cancelled.
};

struct PreparedCopyData;
struct CopyTarget;

/// The sources of one COPY/ADD, selected and hashed. Move-only.
class PreparedCopy {
 public:
  PreparedCopy(PreparedCopy&&) noexcept;
  PreparedCopy& operator=(PreparedCopy&&) noexcept;
  ~PreparedCopy();

  /// sha256 over everything ApplyCopy will write, independent of the
  /// host: relative names, types, permission bits, link targets and file
  /// contents (not mtimes, owners or inode numbers), in a canonical order.
  /// Two preparations with the same digest write the same files.
  const layers::Digest& content_digest() const;
  /// Number of objects selected (files, directories, links), for progress.
  size_t object_count() const;

 private:
  friend PreparedCopy PrepareCopy(const parser::CopyCommand&, const SourceTree&, StatCache&,
                                  const CopyPreparation&);
  friend void ApplyCopy(const PreparedCopy&, const CopyTarget&);
  explicit PreparedCopy(std::unique_ptr<PreparedCopyData> data);
  std::unique_ptr<PreparedCopyData> data_;
};

/// Selects the sources of `copy` in `tree` as Docker/BuildKit do: each
/// source is a path or wildcard pattern relative to the tree's root that
/// may not leave it; a directory source means its contents; ignored paths
/// do not exist; --exclude patterns drop matches; ADD downloads URLs (into
/// the staging directory, checking --checksum) and takes local archives for
/// extraction; heredoc sources become files. Throws Error prefixed with
/// `how.where` for a source that matches nothing, leaves the tree, cannot
/// be read, or a failed download or checksum.
PreparedCopy PrepareCopy(const parser::CopyCommand& copy, const SourceTree& tree,
                         StatCache& stat_cache, const CopyPreparation& how);

/// Where and how ApplyCopy writes.
struct CopyTarget {
  std::string rootfs;   ///< Host path of the writable merged root filesystem.
  std::string workdir;  ///< The stage's WORKDIR: relative destinations start there.
  std::string where;    ///< The instruction's "file:line", prefixed to every error.
  /// --chown resolved against the image's /etc/passwd and /etc/group;
  /// unset: what Docker does without --chown.
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<parser::ChmodSpec> chmod;  ///< --chmod.
};

/// Writes the prepared sources into `target.rootfs` at the instruction's
/// destination: a destination ending in "/" (or naming an existing
/// directory, or with several sources) is a directory; missing parents are
/// created; symlinks in the destination path resolve inside the rootfs,
/// never outside; hardlinks among the sources stay hardlinks; mtimes are
/// kept. Throws Error prefixed with `target.where` when the destination is
/// invalid (several sources into a file) or writing fails.
void ApplyCopy(const PreparedCopy& prepared, const CopyTarget& target);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_COPY_STEP_H_
