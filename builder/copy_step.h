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

#include <cstdint>
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
  /// Without --chown, BuildKit keeps the owners of files copied from a
  /// stage or image (--from) but writes context files as 0:0 (the client
  /// resets them when it sends the context). True for stages and images.
  bool keep_owners = false;
};

/// What PrepareCopy needs besides the instruction and its sources.
struct CopyPreparation {
  std::string where;        ///< The instruction's "file:line", prefixed to every error.
  std::string staging_dir;  ///< Empty scratch directory for downloads and heredocs; the
                            ///< caller removes it after ApplyCopy.
  const CancelToken* cancel = nullptr;  ///< Stops downloads promptly when cancelled.
  /// SOURCE_DATE_EPOCH: the mtime of heredoc files (else the time written).
  std::optional<int64_t> source_date_epoch = std::nullopt;
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
  /// host: relative names, types, permission bits, link targets, device
  /// numbers, hardlinks and file contents (owners only when kept, see
  /// SourceTree; never mtimes or inode numbers), in a canonical order.
  /// Two preparations with the same digest write the same files given the
  /// same CopyTarget; the caller keys its cache on the instruction (its
  /// destination and flags), WORKDIR and resolved --chown as well.
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
/// may not leave it ("../x" and "/x" mean "x"); a source's own symlinks are
/// followed inside the tree, symlinks below it are copied as symlinks; a
/// directory source means its contents; ignored paths do not exist;
/// --exclude patterns drop matches; --parents keeps paths below the root
/// or a "/./" pivot; ADD downloads URLs (into the staging directory,
/// checking --checksum) and takes local archives (by content) for
/// extraction unless --unpack=false; heredoc sources become 0644 files.
/// A pattern that matches nothing is skipped, but when nothing at all is
/// selected that is an error. Throws Error prefixed with `how.where` and
/// the keyword for a missing path, an instruction that selects nothing, an
/// unreadable tree, a git URL (not supported yet), a URL in COPY, or a
/// failed download or checksum.
PreparedCopy PrepareCopy(const parser::CopyCommand& copy, const SourceTree& tree,
                         StatCache& stat_cache, const CopyPreparation& how);

/// Where and how ApplyCopy writes.
struct CopyTarget {
  std::string rootfs;   ///< Host path of the writable merged root filesystem.
  std::string workdir;  ///< The stage's WORKDIR: relative destinations start there.
  std::string where;    ///< The instruction's "file:line", prefixed to every error.
  /// --chown resolved against the image's /etc/passwd and /etc/group;
  /// unset: what Docker does without --chown. A uid without a gid uses the
  /// uid as gid (BuildKit's numeric --chown=N).
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<parser::ChmodSpec> chmod;  ///< --chmod.
};

/// Writes the prepared sources into `target.rootfs` at the instruction's
/// destination: a destination ending in "/" or "." (or naming an existing
/// directory, or with several sources) is a directory; missing parents are
/// created 0755, owned by --chown's user or root; symlinks in the
/// destination path resolve inside the rootfs, never outside; a file
/// replaces an existing file, a directory merges into an existing
/// directory; permission bits (setuid, setgid, sticky too), mtimes,
/// security.capability and user.* xattrs are kept, owners as SourceTree
/// says unless --chown, --chmod applies to files and directories copied;
/// hardlinks among a source's files stay hardlinks; symlinks, devices and
/// fifos are copied as such. ADD archives are extracted into the
/// destination with their own owners (unless --chown) and modes. Throws
/// Error prefixed with `target.where` when the destination is invalid
/// (several sources into a file, a directory onto a file) or writing fails.
void ApplyCopy(const PreparedCopy& prepared, const CopyTarget& target);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_COPY_STEP_H_
