#include "builder/build_command_common.h"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "builder/executor.h"
#include "builder/signal_cancel.h"
#include "builder/step_errors.h"
#include "util/error.h"

namespace imgbuild::cli {
namespace {

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

}  // namespace

void BuildRunFlags::AddTo(CLI::App& app) {
  app.add_option("--progress", progress, "Progress output: auto, tty or plain")
      ->check(CLI::IsMember({"auto", "tty", "plain"}));
  app.add_option("--jobs", jobs, "Stages built at the same time (default: number of cores)")
      ->check(CLI::PositiveNumber);
  app.add_option("--network", network, "Network of RUN steps: default (the host's), host or none")
      ->check(CLI::IsMember({"default", "host", "none"}));
  app.add_option("--source-date-epoch", source_date_epoch,
                 "Clamp file times and set image times to N seconds since 1970 "
                 "(default: $SOURCE_DATE_EPOCH)");
}

void AddCompressionFlag(CLI::App& app, std::string& compression, const std::string& help) {
  app.add_option("--compression", compression, help)
      ->check(CLI::IsMember({"gzip", "zstd", "uncompressed"}));
}

layers::Compression ParseCompression(const std::string& text) {
  if (text == "gzip") return layers::Compression::kGzip;
  if (text == "zstd") return layers::Compression::kZstd;
  if (text == "uncompressed") return layers::Compression::kNone;
  Fail("unknown compression \"{}\": use gzip, zstd or uncompressed", text);
}

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

builder::BuildRequest MakeBuildRequest(const RecipeOptions& recipe, const BuildRunFlags& run) {
  struct stat info {};
  if (::stat(recipe.context.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    Fail("build context \"{}\" is not a directory", recipe.context);
  }
  builder::BuildRequest request;
  request.recipe_path = recipe.RecipePath();  // as given: errors quote it
  request.context_dir = std::filesystem::absolute(recipe.context).lexically_normal();
  request.graph = recipe.ToGraphOptions();
  request.jobs = run.jobs;
  // No bridge network exists without a daemon: "default" shares the host's,
  // like BuildKit's host network mode.
  request.network =
      run.network == "none" ? builder::NetworkMode::kNone : builder::NetworkMode::kHost;
  request.source_date_epoch = SourceDateEpoch(run.source_date_epoch);
  return request;
}

builder::BuildResult BuildWithProgress(const layers::Store& store,
                                       const builder::BuildRequest& request,
                                       const std::string& progress,
                                       const builder::CancelToken& cancel) {
  builder::ProgressMode mode = builder::ParseProgressMode(progress);
  PrivateMountNamespace();
  ClosingSink sink{builder::MakeProgressSink(mode, STDERR_FILENO)};
  return builder::Build(store, request, *sink.sink, cancel);
}

int RunCancellable(const std::function<int(const builder::CancelToken&)>& command) {
  builder::CancelToken cancel;
  builder::SignalCancellation signals(cancel);
  try {
    return command(cancel);
  } catch (const builder::BuildCancelled& cancelled) {
    fmt::print(stderr, "imgbuild: {}\n", cancelled.what());
    int signal = signals.received();
    return builder::ExitStatusForSignal(signal != 0 ? signal : SIGINT);
  }
}

}  // namespace imgbuild::cli
