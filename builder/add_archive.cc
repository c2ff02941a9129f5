#include "builder/add_archive.h"

#include <fcntl.h>

#include "layers/layer_reader.h"
#include "util/fd.h"

namespace imgbuild::builder {

bool IsExtractableArchive(const std::string& path) {
  UniqueFd fd = OpenOrThrow(path, O_RDONLY | O_NOFOLLOW);
  try {
    layers::LayerReader reader(fd.get(), path, true);
    return reader.Next() != nullptr;
  } catch (const layers::LayerReadError&) {
    return false;
  }
}

}  // namespace imgbuild::builder
