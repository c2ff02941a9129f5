// The options every command that talks to a registry shares (pull, push,
// login, logout, and build --push): --insecure-registry HOST (repeatable)
// and --tls-ca FILE, turned into the registry client's RegistryOptions.
#ifndef IMGBUILD_BUILDER_REGISTRY_OPTIONS_H_
#define IMGBUILD_BUILDER_REGISTRY_OPTIONS_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "registry/registry.h"

namespace imgbuild::cli {

struct RegistryCliOptions {
  std::vector<std::string> insecure_registries;  ///< --insecure-registry, as given.
  std::string tls_ca_file;                       ///< --tls-ca; "" = system CAs only.
  bool quiet = false;                            ///< -q: no progress lines on stderr.

  /// Registers --insecure-registry and --tls-ca on `app`; with
  /// `with_quiet`, also -q/--quiet (for commands that transfer images).
  void AddTo(CLI::App& app, bool with_quiet = false);
  /// The client's options: these flags, and progress lines written to
  /// stderr unless quiet. Never throws.
  registry::RegistryOptions ToClientOptions() const;
};

}  // namespace imgbuild::cli

#endif  // IMGBUILD_BUILDER_REGISTRY_OPTIONS_H_
