// OCI chain IDs: one digest naming a layer together with every layer below
// it, so that an extracted stack of layers can be found by its content
// whatever image it came from (image-spec config.md, "Layer ChainID").
#ifndef IMGBUILD_LAYERS_CHAIN_ID_H_
#define IMGBUILD_LAYERS_CHAIN_ID_H_

#include <optional>
#include <vector>

#include "layers/digest.h"

namespace imgbuild::layers {

/// The chain ID of a layer with diff ID `diff_id` on top of the stack whose
/// chain ID is `parent`: `diff_id` itself for a base layer (no parent), else
/// sha256 of the text "<parent> <diff_id>" (both as "sha256:<hex>").
Digest ChainId(const std::optional<Digest>& parent, const Digest& diff_id);

/// The chain IDs of every prefix of `diff_ids` (base first): element i names
/// layers 0..i. Empty for an empty list.
std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_CHAIN_ID_H_
