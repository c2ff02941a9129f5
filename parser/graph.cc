#include "parser/graph.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace imgbuild::parser {
namespace {

const char* const kProxyArgs[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                  "FTP_PROXY",  "ftp_proxy",  "NO_PROXY",    "no_proxy",
                                  "ALL_PROXY",  "all_proxy"};

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

bool IsNumber(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// Finds the last entry named `name` (later assignments win).
const KeyValue* FindLast(const std::vector<KeyValue>& entries, std::string_view name) {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->key == name) return &*it;
  }
  return nullptr;
}

void Assign(std::vector<KeyValue>& entries, const std::string& key, const std::string& value) {
  auto it = std::find_if(entries.begin(), entries.end(), [&](const KeyValue& kv) { return kv.key == key; });
  if (it != entries.end()) entries.erase(it);
  entries.push_back({key, value});
}

// Where a stage reference (`FROM x`, `--from=x`) points.
struct StageRef {
  std::optional<int> stage;  // Set when it names a stage.
  bool bad_index = false;    // A number that is no stage index.
};

// The variables an instruction sees: ENV first (ENV always overrides ARG),
// then ARGs in scope that have a value.
struct Scope {
  std::vector<KeyValue> env;
  std::vector<KeyValue> args;          // ARGs in scope with a value.
  std::vector<std::string> declared;   // ARG names declared, with or without value.

  std::optional<std::string> Lookup(std::string_view name) const {
    if (const KeyValue* kv = FindLast(env, name)) return kv->value;
    if (const KeyValue* kv = FindLast(args, name)) return kv->value;
    return std::nullopt;
  }
  bool IsArg(const std::string& name) const { return FindLast(env, name) == nullptr && FindLast(args, name) != nullptr; }
};

class GraphBuilder {
 public:
  GraphBuilder(const Ast& ast, const GraphOptions& options)
      : ast_(ast), options_(options), expander_(ast.directives.escape), automatic_(AutomaticArgs(options)) {}

  Graph Build() {
    graph_.file = ast_.file;
    graph_.directives = ast_.directives;
    graph_.warnings = ast_.warnings;
    std::vector<Instruction> instructions;
    instructions.reserve(ast_.instructions.size());
    for (const RawInstruction& raw : ast_.instructions) instructions.push_back(ParseInstruction(raw, ast_));
    size_t first_from = ReadGlobalArgs(instructions);
    SplitStages(instructions, first_from);
    for (int index : StageOrderByBase()) ExpandStage(index);
    for (Stage& stage : graph_.stages) CollectDependencies(stage);
    ChooseTarget();
    ComputeRequiredAndWaves();
    WarnUnusedBuildArgs();
    return std::move(graph_);
  }

 private:
  struct PendingStage {
    Instruction from;
    std::vector<Instruction> body;
    std::vector<std::string> onbuild_out;  // Its own ONBUILD expressions.
    std::vector<KeyValue> final_env;
    bool expanded = false;
  };

  // ARGs before the first FROM are global: usable in FROM lines and, once
  // redeclared, inside stages.
  size_t ReadGlobalArgs(const std::vector<Instruction>& instructions) {
    size_t i = 0;
    for (; i < instructions.size(); ++i) {
      const Instruction& instruction = instructions[i];
      if (instruction.keyword == "FROM") return i;
      if (instruction.keyword != "ARG") {
        throw ast_.ErrorAt(instruction.keyword_at,
                           fmt::format("{} before the first FROM: only ARG may come before FROM "
                                       "(no build stage in current context)",
                                       instruction.keyword));
      }
      Instruction expanded = instruction;
      for (const ArgDeclaration& arg : std::get<ArgCommand>(expanded.command).args) {
        GlobalArg global{arg.name, std::nullopt, instruction.keyword_at};
        std::optional<std::string> value = arg.default_value;
        if (value) value = ExpandWord(*value, GlobalLookup(), instruction);
        if (auto it = options_.build_args.find(arg.name); it != options_.build_args.end()) value = it->second;
        consumed_.insert(arg.name);
        // BuildKit only ever sets a value: `ARG V` after `ARG V=1` keeps 1.
        if (!value && FindGlobal(arg.name) != nullptr) continue;
        global.value = value;
        graph_.global_args.erase(std::remove_if(graph_.global_args.begin(), graph_.global_args.end(),
                                                [&](const GlobalArg& g) { return g.name == arg.name; }),
                                 graph_.global_args.end());
        graph_.global_args.push_back(std::move(global));
      }
    }
    throw ast_.ErrorAt({static_cast<int>(ast_.lines.size()), 0},
                       "no FROM instruction: a recipe needs at least one stage (FROM image)");
  }

  const GlobalArg* FindGlobal(std::string_view name) const {
    for (const GlobalArg& global : graph_.global_args) {
      if (global.name == name) return &global;
    }
    return nullptr;
  }

  // A global ARG without a value leaves an automatic arg of its name as it
  // is, as BuildKit's meta args start from the automatic ones.
  VarLookup GlobalLookup() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      if (const GlobalArg* global = FindGlobal(name); global != nullptr && global->value) {
        return global->value;
      }
      if (auto it = automatic_.find(std::string(name)); it != automatic_.end()) return it->second;
      return std::nullopt;
    };
  }

  std::string ExpandWord(const std::string& word, const VarLookup& lookup, const Instruction& at) const {
    try {
      return expander_.ExpandWord(word, lookup);
    } catch (const ExpansionError& e) {
      throw ast_.ErrorAt(at.keyword_at, fmt::format("{}: {}", at.keyword, e.what()));
    }
  }

  void SplitStages(const std::vector<Instruction>& instructions, size_t first_from) {
    for (size_t i = first_from; i < instructions.size(); ++i) {
      if (instructions[i].keyword == "FROM") {
        pending_.push_back(PendingStage{instructions[i], {}, {}, {}, false});
        Stage stage;
        stage.index = static_cast<int>(graph_.stages.size());
        stage.from_range = instructions[i].range;
        ExpandFrom(instructions[i], stage);
        graph_.stages.push_back(std::move(stage));
      } else {
        pending_.back().body.push_back(instructions[i]);
      }
    }
    for (Stage& stage : graph_.stages) {
      StageRef ref = FindStage(stage.from.image);
      if (ref.stage) stage.base_stage = ref.stage;
    }
  }

  void ExpandFrom(const Instruction& instruction, Stage& stage) {
    Instruction from = instruction;
    ExpandInstruction(from, expander_, GlobalLookup(), ast_);
    stage.from = std::get<FromCommand>(from.command);
    stage.name = stage.from.stage_name;
    if (stage.from.image.empty()) {
      throw ast_.ErrorAt(instruction.keyword_at, "FROM names no image: the base image expanded to an empty string");
    }
    if (!stage.name.empty()) {
      for (const Stage& earlier : graph_.stages) {
        if (earlier.name == stage.name) {
          throw ast_.ErrorAt(instruction.keyword_at,
                             fmt::format("duplicate stage name \"{}\": already used by the stage on line {}",
                                         stage.name, earlier.from_range.start_line));
        }
      }
    }
  }

  StageRef FindStage(const std::string& reference) const {
    std::string name = Lower(reference);
    for (const Stage& stage : graph_.stages) {
      if (!stage.name.empty() && stage.name == name) return {stage.index, false};
    }
    if (IsNumber(reference)) {
      size_t index = 0;
      auto [end, error] = std::from_chars(reference.data(), reference.data() + reference.size(), index);
      if (error == std::errc() && index < graph_.stages.size()) return {static_cast<int>(index), false};
      return {std::nullopt, true};
    }
    return {};
  }

  // Stages in an order where every FROM <stage> parent comes first, so a
  // child can start from its parent's environment.
  std::vector<int> StageOrderByBase() {
    std::vector<int> order;
    std::vector<int> state(graph_.stages.size(), 0);  // 0 new, 1 visiting, 2 done
    std::function<void(int)> visit = [&](int index) {
      if (state[index] == 2) return;
      const Stage& stage = graph_.stages[index];
      if (state[index] == 1) throw CycleError(stage);
      state[index] = 1;
      if (stage.base_stage) visit(*stage.base_stage);
      state[index] = 2;
      order.push_back(index);
    };
    for (size_t i = 0; i < graph_.stages.size(); ++i) visit(static_cast<int>(i));
    return order;
  }

  ParseError CycleError(const Stage& stage) const {
    return ast_.ErrorAt({stage.from_range.start_line, 0},
                        fmt::format("circular dependency detected on stage {}", StageLabel(stage)));
  }

  static std::string StageLabel(const Stage& stage) {
    return stage.name.empty() ? fmt::format("{}", stage.index) : fmt::format("\"{}\"", stage.name);
  }

  void ExpandStage(int index) {
    Stage& stage = graph_.stages[index];
    PendingStage& pending = pending_[index];
    Scope scope;
    AddPredefinedArgs(scope);
    BaseInputs base = BaseOf(stage);
    scope.env = std::move(base.env);
    std::vector<Instruction> body = ParseTriggers(base.onbuild, stage);
    size_t trigger_count = body.size();
    body.insert(body.end(), pending.body.begin(), pending.body.end());
    for (size_t i = 0; i < body.size(); ++i) {
      Step step{std::move(body[i]), {}, {}, i < trigger_count};
      ApplyStep(step, scope);
      if (!step.from_onbuild && step.instruction.keyword == "ONBUILD") {
        pending.onbuild_out.push_back(std::get<OnbuildCommand>(step.instruction.command).expression);
      }
      step.build_args = scope.args;
      stage.steps.push_back(std::move(step));
    }
    pending.final_env = scope.env;
  }

  // Proxy args need no ARG line: a --build-arg HTTP_PROXY reaches every
  // RUN's environment (and expansion) in every stage.
  void AddPredefinedArgs(Scope& scope) {
    for (const char* name : kProxyArgs) {
      if (auto it = options_.build_args.find(name); it != options_.build_args.end()) {
        scope.args.push_back({name, it->second});
        consumed_.insert(name);
      }
    }
  }

  // What a stage starts from: its base stage's final ENV and own ONBUILD
  // instructions, or what the resolver knows of its base image.
  struct BaseInputs {
    std::vector<KeyValue> env;
    std::vector<std::string> onbuild;
  };

  BaseInputs BaseOf(const Stage& stage) const {
    if (stage.base_stage) {
      const PendingStage& base = pending_[*stage.base_stage];
      return {base.final_env, base.onbuild_out};
    }
    if (!options_.resolve_base) return {};
    BaseImageInfo info = options_.resolve_base(stage.from.image, stage.from.platform);
    return {ParseEnv(info.env), std::move(info.onbuild)};
  }

  // ONBUILD triggers of the base run first, as if written right after FROM.
  std::vector<Instruction> ParseTriggers(const std::vector<std::string>& texts, const Stage& stage) const {
    std::vector<Instruction> triggers;
    for (const std::string& text : texts) {
      RawInstruction raw = ParseRawInstruction(text, ast_, stage.from_range.start_line);
      triggers.push_back(ParseInstruction(raw, ast_));
    }
    return triggers;
  }

  static std::vector<KeyValue> ParseEnv(const std::vector<std::string>& entries) {
    std::vector<KeyValue> env;
    for (const std::string& entry : entries) {
      size_t equals = entry.find('=');
      if (equals == std::string::npos) Assign(env, entry, "");
      else Assign(env, entry.substr(0, equals), entry.substr(equals + 1));
    }
    return env;
  }

  void ApplyStep(Step& step, Scope& scope) {
    Instruction& instruction = step.instruction;
    std::set<std::string> looked_up;
    VarLookup lookup = [&scope](std::string_view name) { return scope.Lookup(name); };
    ExpandInstruction(instruction, expander_, lookup, ast_, &looked_up);
    for (const std::string& name : looked_up) {
      if (scope.IsArg(name)) step.used_args.insert(name);
    }
    if (auto* env = std::get_if<EnvCommand>(&instruction.command)) {
      for (const KeyValue& kv : env->vars) Assign(scope.env, kv.key, kv.value);
    } else if (auto* arg = std::get_if<ArgCommand>(&instruction.command)) {
      DeclareArgs(*arg, scope);
    }
  }

  // A stage ARG takes, in order: --build-arg, its own default (already
  // expanded), the global ARG of the same name, an automatic platform arg.
  // Without any of those a redeclared ARG keeps the value it had (BuildKit
  // only adds values to the stage's environment, never removes one).
  void DeclareArgs(const ArgCommand& arg, Scope& scope) {
    for (const ArgDeclaration& declaration : arg.args) {
      consumed_.insert(declaration.name);
      std::optional<std::string> value = declaration.default_value;
      if (auto it = options_.build_args.find(declaration.name); it != options_.build_args.end()) {
        value = it->second;
      } else if (!value) {
        value = GlobalLookup()(declaration.name);
      }
      scope.declared.push_back(declaration.name);
      if (!value) continue;
      scope.args.erase(std::remove_if(scope.args.begin(), scope.args.end(),
                                      [&](const KeyValue& kv) { return kv.key == declaration.name; }),
                       scope.args.end());
      scope.args.push_back({declaration.name, *value});
    }
  }

  void CollectDependencies(Stage& stage) {
    std::set<int> stages;
    std::set<std::string> images;
    if (stage.base_stage) stages.insert(*stage.base_stage);
    for (const Step& step : stage.steps) {
      for (const std::string& from : StepSources(step.instruction)) {
        StageRef ref = FindStage(from);
        if (ref.bad_index) {
          throw ast_.ErrorAt(step.instruction.keyword_at,
                             fmt::format("{} refers to stage {}, but the recipe has only {} stage(s) "
                                         "(indexes 0 to {})",
                                         step.instruction.keyword, from, graph_.stages.size(),
                                         graph_.stages.size() - 1));
        }
        if (ref.stage && *ref.stage == stage.index) throw CycleError(stage);
        if (ref.stage) stages.insert(*ref.stage);
        else images.insert(from);
      }
    }
    stage.dependencies.assign(stages.begin(), stages.end());
    stage.image_dependencies.assign(images.begin(), images.end());
  }

  // The `--from` values of COPY/ADD and RUN --mount.
  static std::vector<std::string> StepSources(const Instruction& instruction) {
    std::vector<std::string> sources;
    if (const auto* copy = std::get_if<CopyCommand>(&instruction.command)) {
      if (!copy->from.empty()) sources.push_back(copy->from);
    } else if (const auto* run = std::get_if<RunCommand>(&instruction.command)) {
      for (const Mount& mount : run->mounts) {
        if (!mount.from.empty()) sources.push_back(mount.from);
      }
    }
    return sources;
  }

  void ChooseTarget() {
    if (options_.target.empty()) {
      graph_.target = static_cast<int>(graph_.stages.size()) - 1;
      return;
    }
    std::string name = Lower(options_.target);
    for (const Stage& stage : graph_.stages) {
      if (stage.name == name) {
        graph_.target = stage.index;
        return;
      }
    }
    std::vector<std::string> names;
    for (const Stage& stage : graph_.stages) {
      if (!stage.name.empty()) names.push_back(stage.name);
    }
    Fail("{}: target stage \"{}\" could not be found; the recipe's named stages are: {}", ast_.file,
         options_.target, names.empty() ? "(none)" : fmt::format("{}", fmt::join(names, ", ")));
  }

  // Depth-first from the target; a stage's wave is one more than the
  // latest wave among its dependencies.
  void ComputeRequiredAndWaves() {
    std::vector<int> state(graph_.stages.size(), 0);
    std::vector<int> wave(graph_.stages.size(), 0);
    std::function<void(int)> visit = [&](int index) {
      if (state[index] == 2) return;
      const Stage& stage = graph_.stages[index];
      if (state[index] == 1) throw CycleError(stage);
      state[index] = 1;
      for (int dependency : stage.dependencies) {
        visit(dependency);
        wave[index] = std::max(wave[index], wave[dependency] + 1);
      }
      state[index] = 2;
    };
    visit(graph_.target);
    for (size_t i = 0; i < state.size(); ++i) {
      if (state[i] != 2) continue;
      graph_.required.push_back(static_cast<int>(i));
      if (graph_.waves.size() <= static_cast<size_t>(wave[i])) graph_.waves.resize(wave[i] + 1);
      graph_.waves[wave[i]].push_back(static_cast<int>(i));
    }
  }

  void WarnUnusedBuildArgs() {
    std::vector<std::string> unused;
    for (const auto& [name, value] : options_.build_args) {
      if (!consumed_.count(name) && !automatic_.count(name)) unused.push_back(name);
    }
    if (!unused.empty()) {
      graph_.warnings.push_back(
          {{}, fmt::format("one or more build args were not consumed: {}", fmt::join(unused, ", "))});
    }
  }

  const Ast& ast_;
  const GraphOptions& options_;
  WordExpander expander_;
  std::map<std::string, std::string> automatic_;
  std::vector<PendingStage> pending_;
  std::set<std::string> consumed_;
  Graph graph_;
};

}  // namespace

std::map<std::string, std::string> AutomaticArgs(const GraphOptions& options) {
  auto add = [](std::map<std::string, std::string>& args, const std::string& prefix, const Platform& platform) {
    args[prefix + "PLATFORM"] = platform.ToString();
    args[prefix + "OS"] = platform.os;
    args[prefix + "ARCH"] = platform.architecture;
    args[prefix + "VARIANT"] = platform.variant;
  };
  std::map<std::string, std::string> args;
  add(args, "BUILD", options.build_platform);
  add(args, "TARGET", options.target_platform);
  return args;
}

bool IsProxyArg(const std::string& name) {
  return std::find(std::begin(kProxyArgs), std::end(kProxyArgs), name) != std::end(kProxyArgs);
}

Graph BuildGraph(const Ast& ast, const GraphOptions& options) {
  return GraphBuilder(ast, options).Build();
}

Ast ParseRecipeFile(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) Fail("cannot read recipe {}: no such file or not readable (use -f to name another)", path);
    std::ostringstream contents;
    contents << in.rdbuf();
    text = contents.str();
  }
  return ParseAst(text, path);
}

}  // namespace imgbuild::parser
