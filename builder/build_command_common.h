// What `imgbuild build` and `imgbuild verify` share: the flags that say how
// a build runs (--progress, --jobs, --network, --source-date-epoch,
// --compression), turning them into a BuildRequest, and running a build
// with a progress view and signal handling.
#ifndef IMGBUILD_BUILDER_BUILD_COMMAND_COMMON_H_
#define IMGBUILD_BUILDER_BUILD_COMMAND_COMMON_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "builder/build_options.h"
#include "builder/cancel_token.h"
#include "builder/recipe_options.h"
#include "layers/compress.h"
#include "layers/store.h"

namespace imgbuild::cli {

/// How a build runs, as the user gave it.
struct BuildRunFlags {
  std::string progress = "auto";
  unsigned jobs = 0;  ///< 0 = one stage per core.
  std::string network = "default";
  std::string source_date_epoch;  ///< As given; "" = $SOURCE_DATE_EPOCH.

  /// Registers --progress, --jobs, --network and --source-date-epoch on `app`.
  void AddTo(CLI::App& app);
};

/// Registers --compression on `app`, bound to `compression`; `help` says
/// what the default is.
void AddCompressionFlag(CLI::App& app, std::string& compression, const std::string& help);

/// The layer compression "gzip", "zstd" or "uncompressed" names (the
/// values AddCompressionFlag accepts). Throws Error for anything else.
layers::Compression ParseCompression(const std::string& text);

/// SOURCE_DATE_EPOCH from `flag` (--source-date-epoch), else from the
/// environment; nullopt when neither is set. Throws Error naming where the
/// value came from when it is not a non-negative number of seconds.
std::optional<int64_t> SourceDateEpoch(const std::string& flag);

/// The request for building `recipe` with `run`: recipe path (as given, for
/// messages), absolute context directory, build args, target, platform,
/// jobs, network and epoch; compression stays gzip. Throws Error when the
/// context is not a directory, --platform is malformed or the epoch invalid.
builder::BuildRequest MakeBuildRequest(const RecipeOptions& recipe, const BuildRunFlags& run);

/// Builds `request` into `store` showing progress on stderr in `progress`
/// mode ("auto", "tty" or "plain"), in a mount namespace of this process
/// when it may have one, so no mount outlives it. Returns what Build
/// returns and throws what it throws.
builder::BuildResult BuildWithProgress(const layers::Store& store,
                                       const builder::BuildRequest& request,
                                       const std::string& progress,
                                       const builder::CancelToken& cancel);

/// Runs `command` with a token that SIGINT and SIGTERM cancel. Returns its
/// exit status, or 130/143 (after printing why on stderr) when it was
/// cancelled. Other exceptions pass through.
int RunCancellable(const std::function<int(const builder::CancelToken&)>& command);

}  // namespace imgbuild::cli

#endif  // IMGBUILD_BUILDER_BUILD_COMMAND_COMMON_H_
