// `imgbuild build`: builds a recipe into an image in the store.
#include <fmt/format.h>

#include <memory>

#include "builder/build_command_common.h"
#include "builder/commands.h"
#include "builder/registry_options.h"
#include "builder/store_options.h"

namespace imgbuild::cli {
namespace {

struct BuildCommandOptions {
  RecipeOptions recipe;
  StoreOptions store;
  BuildRunFlags run;
  RegistryCliOptions registry;
  std::vector<std::string> tags;
  bool push = false;
  bool no_cache = false;
  std::vector<std::string> outputs;
  std::string iidfile;
  std::string metadata_file;
  std::string compression = "gzip";
};

builder::BuildRequest ToRequest(const BuildCommandOptions& options) {
  builder::BuildRequest request = MakeBuildRequest(options.recipe, options.run);
  request.tags = options.tags;
  request.no_cache = options.no_cache;
  for (const std::string& output : options.outputs) {
    request.outputs.push_back(builder::ParseOutputSpec(output));
  }
  if (options.push) request.outputs.push_back(builder::ParseOutputSpec("type=registry"));
  request.registry = options.registry.ToClientOptions();
  request.compression = ParseCompression(options.compression);
  request.iidfile = options.iidfile;
  request.metadata_file = options.metadata_file;
  return request;
}

int RunBuild(const BuildCommandOptions& options, const builder::CancelToken& cancel) {
  builder::BuildRequest request = ToRequest(options);
  layers::Store store = options.store.Open();
  builder::BuildResult result = BuildWithProgress(store, request, options.run.progress, cancel);
  fmt::print("{}\n", result.manifest.digest.ToString());
  return 0;
}

}  // namespace

CommandSpec BuildCommand() {
  return {"build", "Build an image from a recipe", [](CLI::App& app) -> Action {
            auto options = std::make_shared<BuildCommandOptions>();
            options->recipe.AddTo(app);
            options->store.AddTo(app);
            options->registry.AddTo(app);
            // One value per flag, so that `-t app ctx` leaves ctx to the context.
            app.add_option("-t,--tag", options->tags, "Name the image NAME[:TAG] (repeatable)")
                ->allow_extra_args(false);
            app.add_flag("--push", options->push,
                         "Push the image to every -t name (as -o type=registry)");
            app.add_flag("--no-cache", options->no_cache, "Run every step, ignoring the cache");
            app.add_option("-o,--output", options->outputs,
                           "Also write the image: type=oci,dest=F | type=oci,dest=DIR,tar=false "
                           "| type=docker,dest=F | type=local,dest=DIR | "
                           "type=image,\"name=N1,N2\"[,push=true] | type=registry (repeatable)")
                ->allow_extra_args(false);
            app.add_option("--iidfile", options->iidfile, "Write the image digest to FILE");
            app.add_option("--metadata-file", options->metadata_file,
                           "Write build result metadata (JSON) to FILE");
            options->run.AddTo(app);
            AddCompressionFlag(app, options->compression,
                               "Layer compression: gzip (default), zstd or uncompressed");
            app.footer(
                "Prints the image digest when done. Without -t the image is kept unnamed in\n"
                "the store (find it by that digest). SIGINT/SIGTERM stop the build cleanly\n"
                "(exit status 130/143).");
            return [options] {
              return RunCancellable(
                  [&](const builder::CancelToken& cancel) { return RunBuild(*options, cancel); });
            };
          }};
}

}  // namespace imgbuild::cli
