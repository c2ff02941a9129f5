// `imgbuild pull [--platform P] REF`: fetches an image from a registry into
// the store and names it REF there.
#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "builder/commands.h"
#include "builder/registry_options.h"
#include "builder/store_options.h"
#include "layers/image_name.h"

namespace imgbuild::cli {
namespace {

struct PullOptions {
  StoreOptions store;
  RegistryCliOptions registry;
  std::string platform;
  std::string reference;
};

// The store name for `reference`: as written when it has a tag
// ("app:1@sha256:.." keeps "app:1"); a digest-only reference has no tag to
// keep, so it is named NAME:sha256-HEX (the digest as a valid tag).
std::string StoreNameFor(const std::string& reference) {
  size_t at = reference.find('@');
  if (at == std::string::npos) return reference;
  std::string name = reference.substr(0, at);
  std::string digest = reference.substr(at + 1);
  size_t last_slash = name.rfind('/');
  bool tagged = name.find(':', last_slash == std::string::npos ? 0 : last_slash) !=
                std::string::npos;
  if (tagged) return name;
  std::string tag = digest;
  std::replace(tag.begin(), tag.end(), ':', '-');
  return name + ":" + tag;
}

int RunPull(const PullOptions& options) {
  layers::Store store = options.store.Open();
  registry::PullResult result = registry::Pull(store, options.reference, options.platform,
                                               options.registry.ToClientOptions());
  std::string name = StoreNameFor(options.reference);
  store.Tag(name, result.manifest);
  fmt::print("Pulled {} as {}\n", result.reference, layers::ImageName::Parse(name).ToString());
  fmt::print("Digest: {}\n", result.resolved.digest.ToString());
  if (result.manifest.digest != result.resolved.digest) {
    fmt::print("Manifest: {}\n", result.manifest.digest.ToString());
  }
  return 0;
}

}  // namespace

CommandSpec PullCommand() {
  return {"pull", "Fetch an image from a registry into the store", [](CLI::App& app) -> Action {
            auto options = std::make_shared<PullOptions>();
            options->store.AddTo(app);
            options->registry.AddTo(app, /*with_quiet=*/true);
            app.add_option("--platform", options->platform,
                           "OS/ARCH[/VARIANT] to take from a multi-platform image (default: "
                           "this machine's)");
            app.add_option("reference", options->reference,
                           "NAME[:TAG][@DIGEST], e.g. busybox, host:5000/ns/app:1.0")
                ->required();
            app.footer(
                "Names follow Docker's rules: busybox is docker.io/library/busybox:latest.\n"
                "Every blob is checked against its digest and size before it is stored, and\n"
                "blobs already in the store are not fetched again. The pulled image is named\n"
                "REFERENCE in the store (a digest-only reference NAME@sha256:HEX becomes\n"
                "NAME:sha256-HEX). Prints the digest the reference resolved to, and the\n"
                "platform's manifest when that was an index. Credentials come from\n"
                "`imgbuild login` (config.json in $DOCKER_CONFIG, else ~/.docker).");
            return [options] { return RunPull(*options); };
          }};
}

}  // namespace imgbuild::cli
