// The two ways a layer says "this name is gone": OCI layers carry ".wh.NAME"
// files and ".wh..wh..opq" markers; overlayfs upper dirs carry char devices
// 0/0 and an "overlay.opaque" xattr. The tar writer converts overlay → OCI,
// layer apply converts OCI → overlay (or deletes), both through these rules.
#ifndef IMGBUILD_LAYERS_WHITEOUT_H_
#define IMGBUILD_LAYERS_WHITEOUT_H_

#include <sys/stat.h>

#include <string>
#include <string_view>

namespace imgbuild::layers {

/// Prefix of an OCI whiteout file: ".wh.NAME" hides NAME of lower layers.
inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
/// Prefix of whiteout bookkeeping names (aufs); only kOpaqueMarker has a meaning.
inline constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
/// A file with this name hides everything lower layers had in its directory.
inline constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

/// Which xattr namespace an overlayfs mount uses for its bookkeeping:
/// "trusted.overlay.*" normally, "user.overlay.*" with the userxattr option.
enum class OverlayXattrs { kTrusted, kUser };

/// "trusted.overlay.opaque" or "user.overlay.opaque".
const char* OpaqueXattrName(OverlayXattrs flavour);

/// True when `value` of an opaque xattr marks the directory opaque. Only "y"
/// does; newer kernels also write "x" (has xattr whiteouts), which is not opaque.
bool IsOpaqueValue(std::string_view value);

/// True for a char device 0/0: how overlayfs records a deleted name.
bool IsOverlayWhiteout(const struct stat& st);

/// True for overlayfs bookkeeping xattrs ("trusted.overlay.*", "user.overlay.*"),
/// which must never travel inside a layer.
bool IsOverlayXattr(std::string_view name);

/// True for overlayfs xattrs that make an upper entry depend on the lower
/// layers (redirect_dir renames, metacopy data-less copies); such an upper
/// dir cannot become a self-contained layer.
bool IsLowerDependentOverlayXattr(std::string_view name);

/// What the base name of a layer entry means.
enum class LayerNameKind {
  kRegular,   ///< an ordinary name
  kWhiteout,  ///< ".wh.NAME": remove NAME
  kOpaque,    ///< ".wh..wh..opq": the directory hides lower content
  kMeta,      ///< other ".wh..wh.*" bookkeeping, which Docker ignores
};

/// A classified base name; `target` is NAME for kWhiteout, else empty.
struct LayerName {
  LayerNameKind kind = LayerNameKind::kRegular;
  std::string_view target;
};

/// Classifies the base name of a layer entry. Throws Error when a whiteout
/// names nothing, "." or "..", which would hide its own directory or escape it.
LayerName ClassifyLayerName(std::string_view base);

/// ".wh." + `name`: the OCI whiteout file that hides `name`.
std::string WhiteoutFileName(std::string_view name);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_WHITEOUT_H_
