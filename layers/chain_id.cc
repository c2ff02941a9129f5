#include "layers/chain_id.h"

namespace imgbuild::layers {

Digest ChainId(const std::optional<Digest>& parent, const Digest& diff_id) {
  if (!parent) return diff_id;
  return DigestOf(parent->ToString() + " " + diff_id.ToString());
}

std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids) {
  std::vector<Digest> chain;
  chain.reserve(diff_ids.size());
  std::optional<Digest> parent;
  for (const Digest& diff_id : diff_ids) {
    parent = ChainId(parent, diff_id);
    chain.push_back(*parent);
  }
  return chain;
}

}  // namespace imgbuild::layers
