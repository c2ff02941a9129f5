// `imgbuild build`: builds a recipe into an image in the store.
#include <fmt/format.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "builder/commands.h"
#include "builder/executor.h"
#include "builder/recipe_options.h"
#include "builder/registry_options.h"
#include "builder/signal_cancel.h"
#include "builder/store_options.h"
#include "util/error.h"

namespace imgbuild::cli {
namespace {

using builder::NetworkMode;

struct BuildCommandOptions {
  RecipeOptions recipe;
  StoreOptions store;
  RegistryCliOptions registry;
  std::vector<std::string> tags;
  bool push = false;
  bool no_cache = false;
  std::vector<std::string> outputs;
  std::string iidfile;
  std::string metadata_file;
  std::string progress = "auto";
  unsigned jobs = 0;
  std::string network = "default";
  std::string source_date_epoch;
  std::string compression = "gzip";
};

std::optional<int64_t> SourceDateEpoch(const std::string& flag) {
  std::string text = flag;
  const char* from = "--source-date-epoch";
  if (text.empty()) {
    const char* env = std::getenv("SOURCE_DATE_EPOCH");
    if (env == nullptr || *env == '\0') return std::nullopt;
    text = env;
    from = "$SOURCE_DATE_EPOCH";
  }
  int64_t seconds = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size() || seconds < 0) {
    Fail("invalid {} \"{}\": give seconds since 1970-01-01 UTC, e.g. $(git log -1 --format=%ct)",
         from, text);
  }
  return seconds;
}

layers::Compression ParseCompression(const std::string& text) {
  if (text == "gzip") return layers::Compression::kGzip;
  if (text == "zstd") return layers::Compression::kZstd;
  return layers::Compression::kNone;  // "uncompressed"; CLI11 checked the value
}

builder::BuildRequest ToRequest(const BuildCommandOptions& options) {
  struct stat info {};
  if (::stat(options.recipe.context.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    Fail("build context \"{}\" is not a directory", options.recipe.context);
  }
  builder::BuildRequest request;
  request.recipe_path = options.recipe.RecipePath();  // as given: errors quote it
  request.context_dir = std::filesystem::absolute(options.recipe.context).lexically_normal();
  request.graph = options.recipe.ToGraphOptions();
  request.tags = options.tags;
  request.no_cache = options.no_cache;
  request.jobs = options.jobs;
  // No bridge network exists without a daemon: "default" shares the host's,
  // like BuildKit's host network mode.
  request.network = options.network == "none" ? NetworkMode::kNone : NetworkMode::kHost;
  for (const std::string& output : options.outputs) {
    request.outputs.push_back(builder::ParseOutputSpec(output));
  }
  if (options.push) request.outputs.push_back(builder::ParseOutputSpec("type=registry"));
  request.registry = options.registry.ToClientOptions();
  request.source_date_epoch = SourceDateEpoch(options.source_date_epoch);
  request.compression = ParseCompression(options.compression);
  request.iidfile = options.iidfile;
  request.metadata_file = options.metadata_file;
  return request;
}

// Mounts made from here on live in a namespace of this process only, so
// they vanish with it even when it is killed outright. Without the right to
// do this (not root) the build proceeds and its RAII unmounts.
void PrivateMountNamespace() {
  if (::unshare(CLONE_NEWNS) != 0) return;
  ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
}

// Closes the progress view however the build ends.
struct ClosingSink {
  std::unique_ptr<builder::ProgressSink> sink;
  ~ClosingSink() { sink->Close(); }
};

int RunBuild(const BuildCommandOptions& options, const builder::CancelToken& cancel) {
  builder::BuildRequest request = ToRequest(options);
  builder::ProgressMode mode = builder::ParseProgressMode(options.progress);
  layers::Store store = options.store.Open();
  PrivateMountNamespace();
  builder::BuildResult result = [&] {
    ClosingSink progress{builder::MakeProgressSink(mode, STDERR_FILENO)};
    return builder::Build(store, request, *progress.sink, cancel);
  }();
  fmt::print("{}\n", result.manifest.digest.ToString());
  return 0;
}

int RunBuildReportingSignals(const BuildCommandOptions& options) {
  builder::CancelToken cancel;
  builder::SignalCancellation signals(cancel);
  try {
    return RunBuild(options, cancel);
  } catch (const builder::BuildCancelled& cancelled) {
    fmt::print(stderr, "imgbuild: {}\n", cancelled.what());
    int signal = signals.received();
    return builder::ExitStatusForSignal(signal != 0 ? signal : SIGINT);
  }
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
            app.add_option("--progress", options->progress, "Progress output: auto, tty or plain")
                ->check(CLI::IsMember({"auto", "tty", "plain"}));
            app.add_option("--jobs", options->jobs,
                           "Stages built at the same time (default: number of cores)")
                ->check(CLI::PositiveNumber);
            app.add_option("--network", options->network,
                           "Network of RUN steps: default (the host's), host or none")
                ->check(CLI::IsMember({"default", "host", "none"}));
            app.add_option("--source-date-epoch", options->source_date_epoch,
                           "Clamp file times and set image times to N seconds since 1970 "
                           "(default: $SOURCE_DATE_EPOCH)");
            app.add_option("--compression", options->compression,
                           "Layer compression: gzip (default), zstd or uncompressed")
                ->check(CLI::IsMember({"gzip", "zstd", "uncompressed"}));
            app.footer(
                "Prints the image digest when done. Without -t the image is kept unnamed in\n"
                "the store (find it by that digest). SIGINT/SIGTERM stop the build cleanly\n"
                "(exit status 130/143).");
            return [options] { return RunBuildReportingSignals(*options); };
          }};
}

}  // namespace imgbuild::cli
