// The option every command that uses the image store shares: --root DIR
// (else $IMGBUILD_ROOT, else the default place; see ResolveStoreRoot), and
// turning what users type into images of that store.
#ifndef IMGBUILD_BUILDER_STORE_OPTIONS_H_
#define IMGBUILD_BUILDER_STORE_OPTIONS_H_

#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "layers/store.h"

namespace imgbuild::cli {

struct StoreOptions {
  std::string root;  ///< --root; "" = $IMGBUILD_ROOT or the default.

  /// Registers --root on `app`.
  void AddTo(CLI::App& app);
  /// Opens (creating if needed) the store. Throws Error naming the root.
  layers::Store Open() const;
};

/// An image a user named on the command line.
struct ResolvedImage {
  std::string name;  ///< The store name it was found by; "" when given by digest.
  layers::Descriptor descriptor;
};

/// Resolves `text` (a name, or a digest or unique digest prefix) in
/// `store`. Throws Error naming `text` and the store when nothing or more
/// than one image matches.
ResolvedImage ResolveImage(const layers::Store& store, std::string_view text);

}  // namespace imgbuild::cli

#endif  // IMGBUILD_BUILDER_STORE_OPTIONS_H_
