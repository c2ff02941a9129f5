// Kernel overlayfs mounts for RUN steps: read-only layers below, one upper
// directory that collects exactly what the step changed (and so becomes the
// new layer), and the merged view the sandbox pivots into.
//
// Many layers vs. the kernel's option limit: mount(2) copies at most one page
// (4095 bytes) of options, which absolute layer paths under a content store
// exceed after a few dozen layers. OverlayMount therefore prefers the new mount
// API with one `lowerdir+` fsconfig call per layer (Linux 6.8+; each value may be
// 255 bytes, longer paths go through an O_PATH descriptor as /proc/self/fd/N).
// On older kernels (Debian 12 ships 6.1) it falls back to mount(2); when the
// options would be too long there, it mounts from a helper process whose working
// directory holds short symlinks ("0", "1", ...) to the layers, which fits the
// 500-layer overlayfs maximum in one page. Developed on 6.18 (both paths tested).
#ifndef IMGBUILD_BUILDER_OVERLAY_MOUNT_H_
#define IMGBUILD_BUILDER_OVERLAY_MOUNT_H_

#include <string>
#include <vector>

namespace imgbuild::builder {

/// The directories of one overlay mount. All paths are absolute host paths.
struct OverlayLayout {
  std::vector<std::string> lowers;  ///< Read-only layers, top-most first; at least one.
  std::string upper;                ///< Receives every change: the new layer.
  std::string work;                 ///< Empty scratch dir on the same filesystem as upper.
  std::string target;               ///< Existing directory where the merged view appears.
  /// overlayfs "volatile": no sync of the upper filesystem, neither for
  /// fsync inside the mount nor when unmounting (which otherwise syncs the
  /// whole filesystem, 30-180 ms per RUN on a busy disk). For upper
  /// directories that are made durable by whoever adopts them (snapshots
  /// are published after a syncfs); the work directory must not be reused.
  bool volatile_upper = false;
};

/// How OverlayMount talks to the kernel. kAuto picks the best the kernel offers;
/// the others exist so tests can exercise both paths on one kernel.
enum class OverlayMountMethod { kAuto, kFsconfig, kMountOptions };

/// Owns one overlayfs mount; unmounts it when destroyed.
///
/// The mount disables index, redirect_dir and metacopy so that the upper
/// directory is a plain diff: whole copied-up files, whiteouts (0/0 character
/// devices) and opaque directories (trusted.overlay.opaque), as image layers need.
/// Copied-up files may carry trusted.overlay.* xattrs; the layer writer must drop them.
class OverlayMount {
 public:
  /// Mounts `layout`. Throws Error naming the target, the layers and the kernel's
  /// own message (e.g. upper and work on different filesystems, a missing layer).
  explicit OverlayMount(const OverlayLayout& layout,
                        OverlayMountMethod method = OverlayMountMethod::kAuto);
  OverlayMount(OverlayMount&& other) noexcept;
  OverlayMount& operator=(OverlayMount&&) = delete;
  OverlayMount(const OverlayMount&) = delete;
  OverlayMount& operator=(const OverlayMount&) = delete;
  /// Unmounts if still mounted; detaches lazily (MNT_DETACH) when busy. Never throws.
  ~OverlayMount();

  /// Where the merged view is mounted.
  const std::string& target() const { return target_; }
  /// False after Unmount and in a moved-from object.
  bool mounted() const { return mounted_; }

  /// Unmounts now, retrying for up to 2 s while the mount is busy. Throws
  /// Error (EBUSY when a process still uses the mount)
  /// and stays mounted in that case. Does nothing when already unmounted.
  void Unmount();

 private:
  std::string target_;
  bool mounted_ = false;
};

/// Creates in `dir` (created if missing) the "mount-point base": the bottom-most
/// lower layer of every RUN overlay. It holds, owned by root:
///   etc/ (0755) with empty hosts, resolv.conf and hostname (0644);
///   dev/, proc/, sys/ (0755).
/// The sandbox mounts over exactly these, and mounting needs an existing mount
/// point; with this base below the image the merged view always has one, so
/// the sandbox never creates anything in the upper directory. Image content wins
/// where it exists. There is deliberately no tmp/: the sandbox mounts nothing
/// there, and an image without /tmp must stay without one as under Docker; nor
/// dev/pts, dev/shm: they live inside the sandbox's own /dev tmpfs.
/// `extra_dirs` and `extra_files` (absolute container paths, e.g. RUN --mount
/// targets) are added with their parents (0755) so those mounts leave no stubs either.
/// The base can be shared by any number of overlays. Throws Error naming the path.
void CreateMountPointBase(const std::string& dir, const std::vector<std::string>& extra_dirs = {},
                          const std::vector<std::string>& extra_files = {});

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_OVERLAY_MOUNT_H_
