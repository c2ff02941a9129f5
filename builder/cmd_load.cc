// `imgbuild load`: imports images from an OCI layout, OCI archive or docker-archive.
#include <sys/resource.h>

#include <memory>

#include <fmt/format.h>

#include "builder/commands.h"
#include "builder/store_options.h"
#include "layers/image_import.h"
#include "util/human_size.h"

namespace imgbuild::cli {
namespace {

struct LoadOptions {
  StoreOptions store;
  std::string name;
  std::string input;
};

// Every blob an import stages keeps a descriptor open until it publishes:
// lift the soft limit (often 1024) to the hard one, as Go programs do.
void RaiseOpenFileLimit() {
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);  // best effort: the import reports EMFILE if it matters
}

int RunLoad(const LoadOptions& options) {
  RaiseOpenFileLimit();
  layers::Store store = options.store.Open();
  layers::ImportResult result = layers::ImportImages(store, options.input, {.name = options.name});
  for (const layers::ImportedImage& image : result.images) {
    fmt::print("Loaded image: {} ({})\n", image.name, image.descriptor.digest.ToString());
  }
  fmt::print("Read {} ({} format): {} new blobs, {}\n", options.input,
             layers::ImportFormatName(result.format), result.blobs_added,
             HumanSize(result.bytes_added));
  return 0;
}

}  // namespace

CommandSpec LoadCommand() {
  return {"load", "Import images from an OCI layout, OCI archive or docker-archive",
          [](CLI::App& app) -> Action {
            auto options = std::make_shared<LoadOptions>();
            options->store.AddTo(app);
            app.add_option("-t,--tag", options->name,
                           "Name the image NAME[:TAG] instead of what the input says (the input "
                           "must hold one image)");
            app.add_option("input", options->input,
                           "An OCI layout directory, or a tar (plain, gzip or zstd) of one, or a "
                           "docker-archive as `docker save` writes")
                ->required();
            app.footer(
                "Every blob is verified (digest and size) before anything is stored, so a bad\n"
                "input leaves the store unchanged. Names come from io.containerd.image.name,\n"
                "else org.opencontainers.image.ref.name, or a docker-archive's RepoTags. A\n"
                "docker-archive image becomes an OCI manifest over the same config and layers;\n"
                "each layer's diff ID is checked against the config.");
            return [options] { return RunLoad(*options); };
          }};
}

}  // namespace imgbuild::cli
