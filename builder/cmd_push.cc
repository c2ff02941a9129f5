// `imgbuild push NAME[:TAG] [DEST]`: publishes a stored image to a registry.
#include <memory>

#include <fmt/format.h>

#include "builder/commands.h"
#include "builder/registry_options.h"
#include "builder/store_options.h"
#include "util/error.h"

namespace imgbuild::cli {
namespace {

struct PushOptions {
  StoreOptions store;
  RegistryCliOptions registry;
  std::string image;
  std::string destination;
};

int RunPush(const PushOptions& options) {
  layers::Store store = options.store.Open();
  ResolvedImage image = ResolveImage(store, options.image);
  std::string destination = options.destination;
  if (destination.empty()) {
    if (image.name.empty()) {
      Fail("cannot push {}: an image given by digest needs a destination; use `imgbuild push "
           "{} HOST/NAME:TAG`",
           options.image, options.image);
    }
    destination = options.image;
  }
  layers::Descriptor pushed = registry::Push(store, image.descriptor, destination,
                                             options.registry.ToClientOptions());
  fmt::print("Pushed {}\n", destination);
  fmt::print("Digest: {} size: {}\n", pushed.digest.ToString(), pushed.size);
  return 0;
}

}  // namespace

CommandSpec PushCommand() {
  return {"push", "Publish a stored image to a registry", [](CLI::App& app) -> Action {
            auto options = std::make_shared<PushOptions>();
            options->store.AddTo(app);
            options->registry.AddTo(app, /*with_quiet=*/true);
            app.add_option("image", options->image,
                           "The stored image: NAME[:TAG], or a digest (prefix)")
                ->required();
            app.add_option("destination", options->destination,
                           "Where to push: [HOST[:PORT]/]NAME[:TAG] (default: IMAGE itself)");
            app.footer(
                "Names follow Docker's rules: app:1 means docker.io/library/app:1. Blobs the\n"
                "registry already has are skipped (HEAD only), blobs it holds in another\n"
                "repository are mounted, others are uploaded exactly as stored, so the pushed\n"
                "manifest has the local digest, which is printed. Credentials come from\n"
                "`imgbuild login` (config.json in $DOCKER_CONFIG, else ~/.docker).");
            return [options] { return RunPush(*options); };
          }};
}

}  // namespace imgbuild::cli
