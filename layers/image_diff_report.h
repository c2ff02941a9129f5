// Showing an ImageDiff: text for people, JSON for CI. Both name, for every
// difference, where it is (document field, or layer index + diff ID + path),
// what differs and both values.
#ifndef IMGBUILD_LAYERS_IMAGE_DIFF_REPORT_H_
#define IMGBUILD_LAYERS_IMAGE_DIFF_REPORT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "layers/image_diff.h"

namespace imgbuild::layers {

/// What the user called the two images ("app:1.0", "oci-layout:///tmp/out").
struct DiffLabels {
  std::string a{};
  std::string b{};
};

/// A text report: a header naming both images, "identical: <digest>" or a
/// summary line, then sections most useful first (config, final file
/// system, each differing layer, manifest), each listing what the diff kept
/// and how many more there were. File contents and diff IDs show 12 hex
/// digits. Ends with a newline.
std::string RenderImageDiff(const ImageDiff& diff, const DiffLabels& labels);

/// The diff as JSON with keys in a fixed order: identical, a and b ({name,
/// digest, mediaType, size}), documents ({changes: [{document, field, a,
/// b}], omitted}), layers ([{index, diffIDA, diffIDB, changes, omitted}]),
/// filesystem ({changes, omitted}), platforms ([{platform, a, b, ...}]).
/// A file change is {path, change, layerA, layerB, fields: [{field, a, b}],
/// a, b} where a and b describe the entries ({type, mode, uid, gid, mtime,
/// size, digest, link, device, xattrs}); absent values are null; xattr
/// values are FormatXattrValue text. Nested platform diffs carry no names.
/// Paths and link targets are bytes from the layer: dump with
/// error_handler_t::replace, as they need not be UTF-8.
nlohmann::ordered_json ImageDiffToJson(const ImageDiff& diff, const DiffLabels& labels);

/// ImageDiffToJson as text: indented by two spaces, bytes that are not
/// UTF-8 replaced by U+FFFD, ending with a newline.
std::string RenderImageDiffJson(const ImageDiff& diff, const DiffLabels& labels);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_IMAGE_DIFF_REPORT_H_
