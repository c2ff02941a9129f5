#include "builder/registry_options.h"

#include <cstdio>

#include <fmt/format.h>

namespace imgbuild::cli {

void RegistryCliOptions::AddTo(CLI::App& app, bool with_quiet) {
  app.add_option("--insecure-registry", insecure_registries,
                 "Allow plain HTTP and unverified TLS for this registry HOST[:PORT] "
                 "(repeatable; loopback registries always may)")
      ->type_name("HOST");
  app.add_option("--tls-ca", tls_ca_file,
                 "Also trust the CA certificates in this PEM file when verifying TLS")
      ->check(CLI::ExistingFile);
  if (with_quiet) app.add_flag("-q,--quiet", quiet, "Print no progress lines on stderr");
}

registry::RegistryOptions RegistryCliOptions::ToClientOptions() const {
  registry::RegistryOptions options;
  options.insecure_registries = insecure_registries;
  options.tls_ca_file = tls_ca_file;
  if (!quiet) {
    options.log = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
  }
  return options;
}

}  // namespace imgbuild::cli
