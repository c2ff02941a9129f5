// `imgbuild prune`: frees blobs no image references and stale temp files.
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "builder/commands.h"
#include "builder/store_options.h"
#include "layers/store_prune.h"

namespace imgbuild::cli {
namespace {

struct PruneCommandOptions {
  StoreOptions store;
  bool dry_run = false;
  int64_t grace_seconds = 0;
  bool unnamed = false;
};

int RunPrune(const PruneCommandOptions& options) {
  layers::Store store = options.store.Open();
  layers::PruneReport report =
      layers::Prune(store, {.grace_period = std::chrono::seconds(options.grace_seconds),
                            .dry_run = options.dry_run,
                            .unnamed_images = options.unnamed});
  std::string_view verb = options.dry_run ? "would remove" : "removed";
  for (const layers::Digest& digest : report.removed_images) {
    fmt::print("{} unnamed image {}\n", verb, digest.ToString());
  }
  for (const layers::Digest& digest : report.removed_blobs) {
    fmt::print("{} blob {}\n", verb, digest.ToString());
  }
  for (const std::string& path : report.removed_temp_files) {
    fmt::print("{} temporary file {}\n", verb, path);
  }
  fmt::print("{}\n", report.Summary());
  return 0;
}

}  // namespace

CommandSpec PruneCommand() {
  return {"prune", "Free blobs no image references, and stale temporary files",
          [](CLI::App& app) -> Action {
            auto options = std::make_shared<PruneCommandOptions>();
            options->store.AddTo(app);
            app.add_flag("--dry-run", options->dry_run,
                         "Report what would be removed, remove nothing");
            app.add_option("--grace", options->grace_seconds,
                           "Keep unreferenced blobs modified less than SECONDS ago (default 0)")
                ->check(CLI::NonNegativeNumber);
            app.add_flag("--unnamed", options->unnamed,
                         "Also drop images without a name (builds without -t; <none> in "
                         "`imgbuild images`), as `docker image prune` drops dangling ones");
            app.footer(
                "Reachable means named in index.json, directly or through indexes, manifests\n"
                "and configs. A build still writing into the same store may own blobs it has\n"
                "not named yet: use --grace while builds run. Temporary files are removed only\n"
                "when their writer has died.");
            return [options] { return RunPrune(*options); };
          }};
}

}  // namespace imgbuild::cli
