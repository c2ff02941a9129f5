// Describing stored images for people and scripts: the summary
// `imgbuild images` lists and the JSON `imgbuild inspect` prints.
#ifndef IMGBUILD_LAYERS_IMAGE_INFO_H_
#define IMGBUILD_LAYERS_IMAGE_INFO_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/oci.h"

namespace imgbuild::layers {

class Store;

/// One index.json entry as `imgbuild images` shows it.
struct ImageSummary {
  std::string name;  // "" for an untagged entry
  Descriptor descriptor;
  std::string created;  // the config's "created" (an index: its first image's); "" when absent
  int64_t size = 0;     // bytes of every distinct blob the image references, itself included
};

/// Summarises every entry of the store's index.json, in its order. An image
/// whose manifest or config cannot be read is listed without a creation
/// time. Throws Error when index.json cannot be read.
std::vector<ImageSummary> SummarizeImages(const Store& store);

/// A description of the image `descriptor` names, with keys in a fixed
/// order: name, digest, mediaType, size (of everything it references), and
/// for a manifest: manifest (the document), config (the document), layers
/// ([{digest, mediaType, size, diffID}]); for an index: index (the
/// document) and manifests (each described the same way, plus platform).
/// `name` may be "". Throws Error naming the digest of an unreadable blob.
nlohmann::ordered_json InspectImage(const Store& store, const Descriptor& descriptor,
                                    const std::string& name);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_IMAGE_INFO_H_
