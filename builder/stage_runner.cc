#include "builder/stage_runner.h"

#include <fcntl.h>

#include <cmath>
#include <optional>

#include "builder/copy_step.h"
#include "builder/run_step.h"
#include "builder/step_errors.h"
#include "builder/user_db.h"
#include "layers/safe_path.h"
#include "parser/chmod.h"
#include "util/ascii.h"
#include "util/error.h"

namespace imgbuild::builder {
namespace {

using Clock = std::chrono::steady_clock;

std::string FirstLine(std::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

// Numbers layer steps like BuildKit's progress: "[build 2/5] RUN make".
class StepTitles {
 public:
  StepTitles(const parser::Graph& graph, const parser::Stage& stage) {
    if (graph.stages.size() > 1) {
      label_ = (stage.name.empty() ? fmt::format("stage-{}", stage.index) : stage.name) + " ";
    }
    total_ = HasImageBase(stage) ? 1 : 0;
    for (const parser::Step& step : stage.steps) {
      const std::string& keyword = step.instruction.keyword;
      if (keyword == "RUN" || keyword == "COPY" || keyword == "ADD" || keyword == "WORKDIR") {
        ++total_;
      }
    }
  }

  static bool HasImageBase(const parser::Stage& stage) {
    return !stage.base_stage && stage.from.image != "scratch";
  }

  std::string Next(std::string_view text) {
    int width = 1 + static_cast<int>(std::log10(std::max(total_, 1)));
    return fmt::format("[{}{:>{}}/{}] {}", label_, ++index_, width, total_, FirstLine(text));
  }

 private:
  std::string label_;
  int total_ = 0;
  int index_ = 0;
};

class StageRunner {
 public:
  StageRunner(BuildContext& context, const parser::Stage& stage, layers::SnapshotLease& lease)
      : context_(context), stage_(stage), lease_(lease), titles_(context.graph, stage) {}

  StageState Run() {
    Start();
    for (const parser::Step& step : stage_.steps) {
      if (context_.cancel.cancelled()) throw BuildCancelled("build cancelled");
      Execute(step);
    }
    return std::move(state_);
  }

 private:
  std::string Where(int line) const { return fmt::format("{}:{}", context_.graph.file, line); }
  std::string Where(const parser::Step& step) const {
    return Where(step.instruction.range.start_line);
  }

  void Start() {
    if (stage_.base_stage) {
      const StageState& base = context_.finished_stage(*stage_.base_stage);
      state_ = base;
      state_.config = StartStage(base.config.image);
      state_.config.declared_args = base.config.declared_args;
      return;
    }
    std::string where = Where(stage_.from_range.start_line);
    const parser::Platform platform =
        stage_.from.platform.empty()
            ? context_.request.graph.target_platform
            : AtLocation(where, [&] { return parser::Platform::Parse(stage_.from.platform); });
    state_.platform = platform.ToString();
    if (stage_.from.image == "scratch") {
      state_.config = StartStage(ScratchConfig(platform));
      state_.cache_key = BaseCacheKey("scratch", state_.platform);
      return;
    }
    ProgressId id = context_.next_progress_id++;
    context_.progress.Started(id, titles_.Next("FROM " + stage_.from.image));
    Clock::time_point start = Clock::now();
    try {
      std::shared_ptr<const BaseImage> image = AtLocation(
          where, [&] { return context_.bases.Resolve(stage_.from.image, stage_.from.platform); });
      if (!image) Fail("{}: internal error: {} resolved to scratch", where, stage_.from.image);
      state_.config = StartStage(image->config);
      state_.layers = image->manifest.layers;
      state_.cache_key = BaseCacheKey(image->descriptor.digest.ToString(), state_.platform);
    } catch (const Error& error) {
      context_.progress.Finished(id, Clock::now() - start, FirstLine(error.what()));
      throw;
    }
    context_.progress.Finished(id, Clock::now() - start);
  }

  void Execute(const parser::Step& step) {
    const parser::Command& command = step.instruction.command;
    if (std::holds_alternative<parser::RunCommand>(command)) return Run(step);
    if (std::holds_alternative<parser::CopyCommand>(command)) return Copy(step);
    if (std::holds_alternative<parser::WorkdirCommand>(command)) return Workdir(step);
    AtLocation(Where(step), [&] { ApplyMetadataStep(state_.config, step, context_.created); });
    state_.cache_key = StepCacheKey(
        state_.cache_key, {.instruction = &step.instruction, .platform = state_.platform});
  }

  // What besides the instruction changes a layer's bytes.
  std::string LayerEnvironment() const {
    const layers::LayerBuildOptions& options = context_.layer_options;
    return fmt::format(
        "compression={} epoch={}", static_cast<int>(options.compression),
        options.source_date_epoch ? std::to_string(*options.source_date_epoch) : "none");
  }

  using Change = std::function<void(RootfsMount&, ProgressId)>;

  // A step that changes the file system: from the cache, or by `change`
  // on a mounted root file system whose upper directory becomes the layer.
  void LayerStep(const parser::Step& step, const layers::Digest& key, const std::string& created_by,
                 const Change& change) {
    ProgressId id = context_.next_progress_id++;
    // BuildKit marks the steps a base's ONBUILD contributed.
    context_.progress.Started(
        id, titles_.Next((step.from_onbuild ? "ONBUILD " : "") + step.instruction.original));
    Clock::time_point start = Clock::now();
    try {
      std::optional<CacheRecord> hit;
      if (!context_.request.no_cache) hit = context_.cache.Lookup(key);
      if (hit) {
        context_.progress.Cached(id);
        AddLayer(hit->layer, hit->diff_id);
        ++context_.cached_steps;
      } else {
        AtLocation(Where(step), [&] {
          RootfsMount rootfs(context_.store, context_.snapshots, context_.scratch,
                             state_.Stack(), lease_);
          change(rootfs, id);
          layers::BuiltLayer layer = rootfs.Commit(context_.layer_options, created_by);
          context_.cache.Put(key, {layer.descriptor, layer.diff_id, created_by});
          AddLayer(layer.descriptor, layer.diff_id);
        });
        ++context_.executed_steps;
      }
      state_.cache_key = key;
    } catch (const Error& error) {
      context_.progress.Finished(id, Clock::now() - start, FirstLine(error.what()));
      throw;
    }
    context_.progress.Finished(id, Clock::now() - start);
  }

  void AddLayer(const layers::Descriptor& layer, const layers::Digest& diff_id) {
    state_.layers.push_back(layer);
    state_.config.image.diff_ids.push_back(diff_id);
  }

  void Run(const parser::Step& step) {
    const auto& run = std::get<parser::RunCommand>(step.instruction.command);
    RunContext run_context{.where = Where(step),
                           .default_network = context_.request.network,
                           .cancel = &context_.cancel,
                           .scratch = &context_.scratch};
    NetworkMode network = RunNetwork(run, run_context);
    const layers::ImageConfig& config = state_.config.image;
    std::vector<parser::KeyValue> build_args = RunBuildArgs(state_.config, step);
    std::string created_by = RunHistoryText(RunArgv(config, run), build_args);
    layers::Digest key =
        StepCacheKey(state_.cache_key,
                     {.instruction = &step.instruction,
                      .build_args = build_args,
                      .platform = state_.platform,
                      .environment = fmt::format("{} network={}", LayerEnvironment(),
                                                 network == NetworkMode::kNone ? "none" : "host")});
    LayerStep(step, key, created_by, [&](RootfsMount& rootfs, ProgressId id) {
      run_context.on_output = [this, id](OutputStream stream, std::string_view chunk) {
        context_.progress.Output(id, stream, chunk);
      };
      RunInRootfs(rootfs.path(), config, step, run_context);
    });
    AddHistory(state_.config.image, created_by, false, context_.created);
  }

  void Workdir(const parser::Step& step) {
    AtLocation(Where(step), [&] { ApplyMetadataStep(state_.config, step, context_.created); });
    const std::string& dir = state_.config.image.config.working_dir;
    if (dir == "/") {
      titles_.Next("");  // BuildKit counts it, though there is nothing to do
      state_.cache_key = StepCacheKey(
          state_.cache_key, {.instruction = &step.instruction, .platform = state_.platform});
      return;
    }
    layers::Digest key = StepCacheKey(state_.cache_key, {.instruction = &step.instruction,
                                                         .platform = state_.platform,
                                                         .environment = LayerEnvironment()});
    LayerStep(step, key, "WORKDIR " + dir, [&](RootfsMount& rootfs, ProgressId) {
      // BuildKit's mkdir -p as the stage's USER; SOURCE_DATE_EPOCH clamps
      // the new directories' mtimes when the layer is written.
      layers::DirOwner owner;
      if (const std::string& user = state_.config.image.config.user; !user.empty()) {
        UserIdentity identity = ResolveChown(user, UserDatabase::Read(rootfs.path()));
        owner = {identity.uid, identity.gid};
      }
      UniqueFd root = OpenOrThrow(rootfs.path(), O_PATH | O_DIRECTORY);
      layers::OpenDirInRoot(root.get(), dir.substr(1), true, owner);
    });
  }

  // COPY --from: the index of the stage `from` names, if it names one.
  std::optional<int> StageNamed(const std::string& from) const {
    std::string lower = AsciiLower(from);
    for (const parser::Stage& stage : context_.graph.stages) {
      if (!stage.name.empty() && stage.name == lower) return stage.index;
    }
    if (!from.empty() && from.find_first_not_of("0123456789") == std::string::npos) {
      size_t index = std::stoul(from);
      if (index < context_.graph.stages.size()) return static_cast<int>(index);
    }
    return std::nullopt;
  }

  // The tree COPY reads: the context, or a read-only view of a stage or image.
  SourceTree CopySource(const parser::CopyCommand& copy, std::optional<RootfsMount>& view) {
    if (copy.from.empty()) {
      return SourceTree{.root = context_.request.context_dir,
                        .ignore = &context_.ignore,
                        .description = "build context",
                        .keep_owners = false};
    }
    LayerStack stack;
    std::string description;
    if (std::optional<int> index = StageNamed(copy.from)) {
      stack = context_.finished_stage(*index).Stack();
      description = "stage " + copy.from;
    } else {
      std::shared_ptr<const BaseImage> image = context_.bases.Resolve(copy.from, "");
      if (image) stack = {image->manifest.layers, image->config.diff_ids};
      description = "image " + copy.from;
    }
    view.emplace(context_.store, context_.snapshots, context_.scratch, stack, lease_,
                 /*with_mount_points=*/false);
    return SourceTree{
        .root = view->path(), .ignore = nullptr, .description = description, .keep_owners = true};
  }

  void Copy(const parser::Step& step) {
    const auto& copy = std::get<parser::CopyCommand>(step.instruction.command);
    std::string where = Where(step);
    std::optional<RootfsMount> view;
    SourceTree tree = AtLocation(where, [&] { return CopySource(copy, view); });
    TempDir staging = context_.scratch.NewDir("copy-");
    PreparedCopy prepared = AtLocation(where, [&] {
      return PrepareCopy(copy, tree, context_.stat_cache,
                         CopyPreparation{where, staging.path(), &context_.cancel,
                                         context_.request.source_date_epoch});
    });
    std::string created_by = CopyHistoryText(copy);
    layers::Digest key = StepCacheKey(state_.cache_key, {.instruction = &step.instruction,
                                                         .platform = state_.platform,
                                                         .content = prepared.content_digest(),
                                                         .environment = LayerEnvironment()});
    LayerStep(step, key, created_by, [&](RootfsMount& rootfs, ProgressId) {
      CopyTarget target;
      target.rootfs = rootfs.path();
      target.workdir = state_.config.image.config.working_dir;
      target.where = where;
      if (!copy.chown.empty()) {
        UserIdentity owner = ResolveChown(copy.chown, UserDatabase::Read(rootfs.path()));
        target.uid = owner.uid;
        target.gid = owner.gid;
      }
      if (!copy.chmod.empty()) target.chmod = parser::ChmodSpec::Parse(copy.chmod);
      ApplyCopy(prepared, target);
    });
    AddHistory(state_.config.image, created_by, false, context_.created);
  }

  BuildContext& context_;
  const parser::Stage& stage_;
  layers::SnapshotLease& lease_;
  StepTitles titles_;
  StageState state_;
};

}  // namespace

StageState RunStage(BuildContext& context, int index, layers::SnapshotLease& lease) {
  return StageRunner(context, context.graph.stages.at(index), lease).Run();
}

}  // namespace imgbuild::builder
