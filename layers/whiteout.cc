#include "layers/whiteout.h"

#include <sys/sysmacros.h>

#include "util/error.h"

namespace imgbuild::layers {

const char* OpaqueXattrName(OverlayXattrs flavour) {
  return flavour == OverlayXattrs::kTrusted ? "trusted.overlay.opaque" : "user.overlay.opaque";
}

bool IsOpaqueValue(std::string_view value) { return value == "y"; }

bool IsOverlayWhiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && major(st.st_rdev) == 0 && minor(st.st_rdev) == 0;
}

bool IsOverlayXattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

bool IsLowerDependentOverlayXattr(std::string_view name) {
  return IsOverlayXattr(name) &&
         (name.ends_with(".overlay.redirect") || name.ends_with(".overlay.metacopy"));
}

LayerName ClassifyLayerName(std::string_view base) {
  if (base == kOpaqueMarker) return {LayerNameKind::kOpaque, {}};
  if (base.starts_with(kWhiteoutMetaPrefix)) return {LayerNameKind::kMeta, {}};
  if (!base.starts_with(kWhiteoutPrefix)) return {LayerNameKind::kRegular, {}};
  std::string_view target = base.substr(kWhiteoutPrefix.size());
  if (target.empty() || target == "." || target == "..") {
    Fail("whiteout \"{}\" names \"{}\", which is not a removable entry", base, target);
  }
  return {LayerNameKind::kWhiteout, target};
}

std::string WhiteoutFileName(std::string_view name) {
  std::string result(kWhiteoutPrefix);
  result += name;
  return result;
}

}  // namespace imgbuild::layers
