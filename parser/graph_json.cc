#include "parser/graph_json.h"

#include <fmt/format.h>

namespace imgbuild::parser {
namespace {

using Json = nlohmann::ordered_json;

// Adds `key` only when `value` is not empty, so absent flags stay absent.
void PutIfSet(Json& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

void PutIfSet(Json& object, const char* key, bool value) {
  if (value) object[key] = true;
}

Json KeyValues(const std::vector<KeyValue>& pairs) {
  Json array = Json::array();
  for (const KeyValue& kv : pairs) array.push_back(Json{{"key", kv.key}, {"value", kv.value}});
  return array;
}

Json Heredocs(const std::vector<Heredoc>& heredocs) {
  Json array = Json::array();
  for (const Heredoc& heredoc : heredocs) {
    array.push_back(Json{{"name", heredoc.name},
                         {"content", heredoc.content},
                         {"expand", heredoc.expand},
                         {"chomp", heredoc.chomp}});
  }
  return array;
}

void PutCommandLine(Json& object, const char* key, const CommandLine& command) {
  object[key] = command.args;
  object["shell_form"] = command.shell_form;
}

Json MountToJson(const Mount& mount) {
  Json json{{"type", MountTypeName(mount.type)}};
  PutIfSet(json, "target", mount.target);
  PutIfSet(json, "source", mount.source);
  PutIfSet(json, "from", mount.from);
  PutIfSet(json, "id", mount.id);
  PutIfSet(json, "readonly", mount.read_only);
  if (mount.type == Mount::Type::kCache) json["sharing"] = SharingName(mount.sharing);
  if (mount.mode) json["mode"] = fmt::format("{:04o}", *mount.mode);
  if (mount.uid) json["uid"] = *mount.uid;
  if (mount.gid) json["gid"] = *mount.gid;
  if (mount.size_bytes) json["size"] = *mount.size_bytes;
  PutIfSet(json, "required", mount.required);
  PutIfSet(json, "env", mount.env);
  return json;
}

// One overload per command type: adds that command's fields.
struct FieldWriter {
  Json& json;

  void operator()(const FromCommand& from) const {
    json["image"] = from.image;
    PutIfSet(json, "name", from.stage_name);
    PutIfSet(json, "platform", from.platform);
  }
  void operator()(const RunCommand& run) const {
    PutCommandLine(json, "command", run.command);
    if (!run.mounts.empty()) {
      Json mounts = Json::array();
      for (const Mount& mount : run.mounts) mounts.push_back(MountToJson(mount));
      json["mounts"] = mounts;
    }
    PutIfSet(json, "network", run.network);
    PutIfSet(json, "security", run.security);
    if (!run.heredocs.empty()) json["heredocs"] = Heredocs(run.heredocs);
  }
  void operator()(const CmdCommand& cmd) const { PutCommandLine(json, "command", cmd.command); }
  void operator()(const EntrypointCommand& entrypoint) const { PutCommandLine(json, "command", entrypoint.command); }
  void operator()(const ShellCommand& shell) const { json["shell"] = shell.shell; }
  void operator()(const LabelCommand& label) const { json["labels"] = KeyValues(label.labels); }
  void operator()(const ExposeCommand& expose) const { json["ports"] = expose.ports; }
  void operator()(const EnvCommand& env) const { json["env"] = KeyValues(env.vars); }
  void operator()(const ArgCommand& arg) const {
    Json args = Json::array();
    for (const ArgDeclaration& declaration : arg.args) {
      Json entry{{"name", declaration.name}};
      if (declaration.default_value) entry["default"] = *declaration.default_value;
      args.push_back(entry);
    }
    json["args"] = args;
  }
  void operator()(const CopyCommand& copy) const {
    json["sources"] = copy.sources;
    json["destination"] = copy.destination;
    PutIfSet(json, "from", copy.from);
    PutIfSet(json, "chown", copy.chown);
    PutIfSet(json, "chmod", copy.chmod);
    PutIfSet(json, "link", copy.link);
    PutIfSet(json, "parents", copy.parents);
    if (!copy.excludes.empty()) json["excludes"] = copy.excludes;
    PutIfSet(json, "checksum", copy.checksum);
    PutIfSet(json, "keep_git_dir", copy.keep_git_dir);
    if (copy.unpack) json["unpack"] = *copy.unpack;
    if (!copy.heredocs.empty()) json["heredocs"] = Heredocs(copy.heredocs);
  }
  void operator()(const VolumeCommand& volume) const { json["paths"] = volume.paths; }
  void operator()(const UserCommand& user) const { json["user"] = user.user; }
  void operator()(const WorkdirCommand& workdir) const { json["path"] = workdir.path; }
  void operator()(const OnbuildCommand& onbuild) const {
    json["expression"] = onbuild.expression;
    if (!onbuild.trigger.empty()) json["trigger"] = InstructionToJson(onbuild.trigger.front());
  }
  void operator()(const StopsignalCommand& stopsignal) const { json["signal"] = stopsignal.signal; }
  void operator()(const HealthcheckCommand& health) const {
    if (health.none) {
      json["none"] = true;
      return;
    }
    PutCommandLine(json, "test", health.test);
    if (health.interval_ns) json["interval_ns"] = health.interval_ns;
    if (health.timeout_ns) json["timeout_ns"] = health.timeout_ns;
    if (health.start_period_ns) json["start_period_ns"] = health.start_period_ns;
    if (health.start_interval_ns) json["start_interval_ns"] = health.start_interval_ns;
    if (health.retries) json["retries"] = health.retries;
  }
  void operator()(const MaintainerCommand& maintainer) const { json["name"] = maintainer.name; }
};

Json StepToJson(const Step& step) {
  Json json = InstructionToJson(step.instruction);
  if (step.from_onbuild) json["from_onbuild"] = true;
  if (step.instruction.keyword == "RUN" || step.instruction.keyword == "ARG") {
    Json args = Json::object();
    for (const KeyValue& kv : step.build_args) args[kv.key] = kv.value;
    json["build_args"] = args;
  }
  if (!step.used_args.empty()) json["used_args"] = step.used_args;
  return json;
}

Json StageToJson(const Stage& stage) {
  Json json{{"index", stage.index}};
  json["name"] = stage.name.empty() ? Json(nullptr) : Json(stage.name);
  Json from{{"keyword", "FROM"}, {"line", stage.from_range.start_line}, {"end_line", stage.from_range.end_line}};
  FieldWriter{from}(stage.from);
  json["from"] = from;
  json["base_stage"] = stage.base_stage ? Json(*stage.base_stage) : Json(nullptr);
  json["dependencies"] = stage.dependencies;
  json["image_dependencies"] = stage.image_dependencies;
  Json steps = Json::array();
  for (const Step& step : stage.steps) steps.push_back(StepToJson(step));
  json["instructions"] = steps;
  return json;
}

}  // namespace

Json InstructionToJson(const Instruction& instruction) {
  Json json{{"keyword", instruction.keyword},
            {"line", instruction.range.start_line},
            {"end_line", instruction.range.end_line}};
  std::visit(FieldWriter{json}, instruction.command);
  return json;
}

Json GraphToJson(const Graph& graph) {
  Json json{{"file", graph.file}};
  Json directives{{"escape", std::string(1, graph.directives.escape)}};
  if (graph.directives.syntax) directives["syntax"] = *graph.directives.syntax;
  if (graph.directives.check) directives["check"] = *graph.directives.check;
  json["directives"] = directives;
  Json args = Json::array();
  for (const GlobalArg& arg : graph.global_args) {
    args.push_back(Json{{"name", arg.name},
                        {"value", arg.value ? Json(*arg.value) : Json(nullptr)},
                        {"line", arg.where.line}});
  }
  json["global_args"] = args;
  Json stages = Json::array();
  for (const Stage& stage : graph.stages) stages.push_back(StageToJson(stage));
  json["stages"] = stages;
  json["target"] = graph.target;
  json["required"] = graph.required;
  json["waves"] = graph.waves;
  Json warnings = Json::array();
  for (const Warning& warning : graph.warnings) {
    warnings.push_back(Json{{"line", warning.where.line}, {"message", warning.message}});
  }
  json["warnings"] = warnings;
  return json;
}

std::string GraphToJsonText(const Graph& graph) {
  return GraphToJson(graph).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

namespace {

std::string Summary(const Instruction& instruction) {
  Json json = InstructionToJson(instruction);
  json.erase("keyword");
  json.erase("line");
  json.erase("end_line");
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string GraphToText(const Graph& graph) {
  std::string text;
  for (const Stage& stage : graph.stages) {
    bool required = std::find(graph.required.begin(), graph.required.end(), stage.index) != graph.required.end();
    text += fmt::format("stage {}{} FROM {}{} (line {}){}\n", stage.index,
                        stage.name.empty() ? "" : fmt::format(" \"{}\"", stage.name), stage.from.image,
                        stage.from.platform.empty() ? "" : " --platform=" + stage.from.platform,
                        stage.from_range.start_line, required ? "" : " [not needed for the target]");
    if (!stage.dependencies.empty() || !stage.image_dependencies.empty()) {
      text += fmt::format("  needs stages [{}] images [{}]\n", fmt::join(stage.dependencies, ", "),
                          fmt::join(stage.image_dependencies, ", "));
    }
    for (const Step& step : stage.steps) {
      text += fmt::format("  {:>4}: {}{} {}\n", step.instruction.range.start_line,
                          step.from_onbuild ? "(onbuild) " : "", step.instruction.keyword,
                          Summary(step.instruction));
    }
  }
  text += fmt::format("target: stage {}\n", graph.target);
  for (size_t i = 0; i < graph.waves.size(); ++i) {
    text += fmt::format("wave {}: stages {}\n", i, fmt::join(graph.waves[i], ", "));
  }
  for (const Warning& warning : graph.warnings) {
    text += warning.where.line > 0 ? fmt::format("warning: {}:{}: {}\n", graph.file, warning.where.line, warning.message)
                                   : fmt::format("warning: {}\n", warning.message);
  }
  return text;
}

}  // namespace imgbuild::parser
