#include "builder/executor.h"

#include <poll.h>

#include <condition_variable>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "builder/build_outputs.h"
#include "builder/image_output.h"
#include "builder/image_time.h"
#include "builder/stage_runner.h"
#include "layers/image_name.h"
#include "util/error.h"

namespace imgbuild::builder {
namespace {

using Clock = std::chrono::steady_clock;

// Cancels `internal` when `external` fires, until destroyed: the build
// cancels `internal` itself too when a stage fails, to stop the others.
class CancelForwarder {
 public:
  CancelForwarder(const CancelToken& external, CancelToken& internal)
      : thread_([&external, &internal, this] {
          pollfd fds[2] = {{external.fd(), POLLIN, 0}, {finished_.fd(), POLLIN, 0}};
          while (::poll(fds, 2, -1) < 0 && errno == EINTR) {
          }
          if (external.cancelled()) internal.Cancel();
        }) {}
  ~CancelForwarder() {
    finished_.Cancel();
    thread_.join();
  }
  CancelForwarder(const CancelForwarder&) = delete;
  CancelForwarder& operator=(const CancelForwarder&) = delete;

 private:
  CancelToken finished_;  // Declared first: the thread polls it.
  std::thread thread_;
};

// Runs the required stages in dependency order, up to `jobs` at a time.
class StageScheduler {
 public:
  StageScheduler(const parser::Graph& graph, std::function<void(int)> run_stage,
                 CancelToken& cancel)
      : graph_(graph),
        run_stage_(std::move(run_stage)),
        cancel_(cancel),
        pending_(graph.required.begin(), graph.required.end()) {}

  /// Returns when every stage is done; rethrows the first failure.
  void Run(unsigned jobs) {
    unsigned threads = std::max(1u, std::min<unsigned>(jobs, graph_.required.size()));
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) workers.emplace_back([this] { Work(); });
    Work();
    for (std::thread& worker : workers) worker.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::optional<int> NextReady() const {
    for (int index : pending_) {
      const std::vector<int>& needs = graph_.stages[index].dependencies;
      if (std::all_of(needs.begin(), needs.end(), [&](int need) { return done_.contains(need); })) {
        return index;
      }
    }
    return std::nullopt;
  }

  void Work() {
    std::unique_lock lock(mutex_);
    while (!error_ && !pending_.empty()) {
      std::optional<int> ready = NextReady();
      if (!ready) {
        changed_.wait(lock);
        continue;
      }
      pending_.erase(*ready);
      lock.unlock();
      std::exception_ptr failure;
      try {
        run_stage_(*ready);
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      if (failure && !error_) {
        error_ = failure;
        cancel_.Cancel();  // stop the stages still running
      }
      if (!failure) done_.insert(*ready);
      changed_.notify_all();
    }
  }

  const parser::Graph& graph_;
  std::function<void(int)> run_stage_;
  CancelToken& cancel_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<int> pending_;
  std::set<int> done_;
  std::exception_ptr error_;
};

std::string StatCacheFile(const layers::Store& store, const std::string& context_dir) {
  std::error_code ignored;
  std::string absolute = std::filesystem::absolute(context_dir, ignored).lexically_normal();
  return store.MetadataDir() + "/stat-cache/" + layers::DigestOf(absolute).hex() + ".json";
}

// Docker media types in an OCI manifest become their OCI twins (same bytes).
layers::Descriptor OciLayer(layers::Descriptor layer) {
  if (layer.media_type == layers::media_types::kDockerLayerGzip) {
    layer.media_type = layers::media_types::kOciLayerGzip;
  }
  layer.annotations.clear();
  layer.platform.reset();
  return layer;
}

class Executor {
 public:
  Executor(const layers::Store& store, const BuildRequest& request, ProgressSink& progress,
           const CancelToken& cancel)
      : store_(store),
        request_(request),
        progress_(progress),
        forwarder_(cancel, cancel_),
        external_(cancel),
        snapshots_(store),
        cache_(store),
        bases_(store, request.graph.target_platform,
               RegistryOptionsLoggingTo(
                   [this](std::string_view line) { progress_.Message(line); })) {}

  BuildResult Run() {
    CheckImageOutputs(request_);  // before the work, not after it
    graph_ = ReadGraph(parser::ParseRecipeFile(request_.recipe_path));
    for (const parser::Warning& warning : graph_.warnings) {
      progress_.Message(
          fmt::format("warning: {}:{}: {}", graph_.file, warning.where.line, warning.message));
    }
    std::string stat_cache_file = StatCacheFile(store_, request_.context_dir);
    StatCache stat_cache = StatCache::Load(stat_cache_file);
    IgnoreRules ignore = IgnoreRules::ForBuild(request_.context_dir, request_.recipe_path);
    BuildScratch scratch(snapshots_);
    BuildContext context{
        .store = store_,
        .request = request_,
        .graph = graph_,
        .progress = progress_,
        .cancel = cancel_,
        .snapshots = snapshots_,
        .cache = cache_,
        .bases = bases_,
        .scratch = scratch,
        .stat_cache = stat_cache,
        .ignore = ignore,
        .created = BuildTimestamp(request_.source_date_epoch),
        .layer_options = {.compression = request_.compression,
                          .source_date_epoch = request_.source_date_epoch},
        .finished_stage = [this](int index) -> const StageState& { return *stages_.at(index); }};
    RunStages(context);
    BuildResult result = Assemble(*stages_.at(graph_.target), context.created);
    result.cached_steps = context.cached_steps;
    result.executed_steps = context.executed_steps;
    result.bases = bases_.Used();
    Name(result);
    for (const OutputSpec& output : request_.outputs) Export(result, output, context);
    WriteResultFiles(request_, result);
    SaveStatCache(stat_cache, stat_cache_file);
    return result;
  }

 private:
  // The graph, with ENV and ONBUILD of the base images the target needs.
  // A first pass without base images finds those stages, so that a base
  // only other targets use is not pulled (BuildKit resolves reachable
  // stages only).
  parser::Graph ReadGraph(const parser::Ast& ast) {
    parser::Graph outline = parser::BuildGraph(ast, request_.graph);
    std::set<std::pair<std::string, std::string>> needed;
    for (int index : outline.required) {
      const parser::Stage& stage = outline.stages[index];
      if (!stage.base_stage) needed.insert({stage.from.image, stage.from.platform});
    }
    parser::GraphOptions options = request_.graph;
    options.resolve_base = [needed, resolve = bases_.GraphResolver()](
                               const std::string& image, const std::string& platform) {
      if (!needed.contains({image, platform})) return parser::BaseImageInfo{};
      return resolve(image, platform);
    };
    return parser::BuildGraph(ast, options);
  }

  void RunStages(BuildContext& context) {
    stages_.resize(graph_.stages.size());
    // One lease per stage: a lease is not shared between threads. All live
    // until the build ends, since later stages read earlier ones.
    leases_.resize(graph_.stages.size());
    for (int index : graph_.required) {
      leases_[index] = std::make_unique<layers::SnapshotLease>(snapshots_.NewLease());
    }
    StageScheduler scheduler(
        graph_,
        // Each stage writes its own element; the scheduler's lock orders
        // that before any dependent stage reads it.
        [&](int index) { stages_[index] = RunStage(context, index, *leases_[index]); }, cancel_);
    unsigned jobs = request_.jobs != 0 ? request_.jobs : std::thread::hardware_concurrency();
    try {
      scheduler.Run(jobs);
    } catch (const BuildCancelled&) {
      if (external_.cancelled()) throw BuildCancelled("build cancelled");
      throw;
    }
    if (external_.cancelled()) throw BuildCancelled("build cancelled");
  }

  BuildResult Assemble(const StageState& target, const std::string& created) {
    layers::ImageConfig image = target.config.image;
    const parser::Platform& platform = request_.graph.target_platform;
    image.created = created;
    image.architecture = platform.architecture;
    image.os = platform.os;
    image.variant = platform.variant;
    if (request_.source_date_epoch) ClampHistory(image, *request_.source_date_epoch);
    layers::Descriptor config = store_.PutConfig(image);
    layers::Manifest manifest{.config = config};
    for (const layers::Descriptor& layer : target.layers)
      manifest.layers.push_back(OciLayer(layer));
    layers::Descriptor descriptor = store_.PutManifest(manifest);
    return BuildResult{.manifest = descriptor, .config = config, .image = std::move(image)};
  }

  // BuildKit's order: the image, then its names.
  void Name(const BuildResult& result) {
    progress_.Message("writing image " + result.manifest.digest.ToString());
    for (const std::string& tag : request_.tags) {
      store_.Tag(tag, result.manifest);
      progress_.Message("naming to " + layers::ImageName::Parse(tag).FullyQualified());
    }
    if (request_.tags.empty()) store_.AddUnnamed(result.manifest);
  }

  void Export(const BuildResult& result, const OutputSpec& output, BuildContext& context) {
    ProgressId id = context.next_progress_id++;
    progress_.Started(id, OutputTitle(output));
    Clock::time_point start = Clock::now();
    try {
      WriteOutput(store_, result, request_.tags, output,
                  RegistryOptionsLoggingTo([this, id](std::string_view line) {
                    progress_.Output(id, OutputStream::kStdout, std::string(line) + "\n");
                  }));
    } catch (const Error& error) {
      progress_.Finished(id, Clock::now() - start, error.what());
      throw;
    }
    progress_.Finished(id, Clock::now() - start);
  }

  // The request's registry options, with their log lines going to `log`.
  registry::RegistryOptions RegistryOptionsLoggingTo(
      std::function<void(std::string_view)> log) const {
    registry::RegistryOptions options = request_.registry;
    options.log = std::move(log);
    return options;
  }

  void SaveStatCache(const StatCache& stat_cache, const std::string& file) {
    try {
      std::error_code failed;
      std::filesystem::create_directories(std::filesystem::path(file).parent_path(), failed);
      if (failed) Fail("create the directory of {}: {}", file, failed.message());
      stat_cache.Save(file);
    } catch (const Error& error) {
      progress_.Message(fmt::format("warning: {}", error.what()));  // costs a re-read only
    }
  }

  const layers::Store& store_;
  const BuildRequest& request_;
  ProgressSink& progress_;
  CancelToken cancel_;  // The build's own: fires on external cancel or a failed stage.
  CancelForwarder forwarder_;
  const CancelToken& external_;
  layers::Snapshots snapshots_;
  BuildCache cache_;
  BaseImages bases_;
  parser::Graph graph_;
  std::vector<std::unique_ptr<layers::SnapshotLease>> leases_;
  std::vector<std::optional<StageState>> stages_;
};

}  // namespace

BuildResult Build(const layers::Store& store, const BuildRequest& request, ProgressSink& progress,
                  const CancelToken& cancel) {
  return Executor(store, request, progress, cancel).Run();
}

}  // namespace imgbuild::builder
