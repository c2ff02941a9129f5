#include "builder/config_update.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "builder/go_format.h"
#include "parser/instruction_checks.h"
#include "util/error.h"
#include "util/split.h"

namespace imgbuild::builder {
namespace {

using layers::ImageConfig;

std::string_view EnvKey(std::string_view entry) { return entry.substr(0, entry.find('=')); }

bool HasEnv(const std::vector<std::string>& env, std::string_view key) {
  return std::any_of(env.begin(), env.end(),
                     [&](const std::string& entry) { return EnvKey(entry) == key; });
}

const std::string* FindEnv(const std::vector<std::string>& env, std::string_view key) {
  for (const std::string& entry : env) {
    if (EnvKey(entry) == key) return &entry;
  }
  return nullptr;
}

// ENV replaces a variable where it stands, or appends it.
void SetEnv(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  for (std::string& entry : env) {
    if (EnvKey(entry) == key) {
      entry = key + "=" + value;
      return;
    }
  }
  env.push_back(key + "=" + value);
}

// Go's path.Clean for absolute paths.
std::string CleanAbsolute(std::string_view path) {
  std::vector<std::string> parts;
  for (const std::string& part : Split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string clean;
  for (const std::string& part : parts) clean += "/" + part;
  return clean.empty() ? "/" : clean;
}

unsigned PortNumber(std::string_view text) {
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// "8000-8010/tcp" -> 8000/tcp ... 8010/tcp; the parser checked the syntax.
void AddExposedPorts(std::vector<std::string>& exposed, std::string_view port) {
  std::string_view numbers = port.substr(0, port.find('/'));
  std::string protocol = port.find('/') == std::string_view::npos
                             ? "tcp"
                             : std::string(port.substr(port.find('/') + 1));
  size_t dash = numbers.find('-');
  unsigned first = PortNumber(numbers.substr(0, dash));
  unsigned last = dash == std::string_view::npos ? first : PortNumber(numbers.substr(dash + 1));
  for (unsigned number = first; number <= last; ++number) {
    exposed.push_back(fmt::format("{}/{}", number, protocol));
  }
}

std::string KeyValueText(const std::vector<parser::KeyValue>& pairs) {
  std::string text;
  for (const parser::KeyValue& kv : pairs) text += " " + kv.key + "=" + kv.value;
  return text;
}

// Go's %+v of moby's HealthcheckConfig.
std::string HealthcheckText(const layers::HealthConfig& health) {
  return fmt::format(
      "{{Test:{} Interval:{} Timeout:{} StartPeriod:{} StartInterval:{} Retries:{}}}",
      GoList(health.test), GoDuration(health.interval), GoDuration(health.timeout),
      GoDuration(health.start_period), GoDuration(health.start_interval), health.retries);
}

layers::HealthConfig ToHealthConfig(const parser::HealthcheckCommand& check) {
  layers::HealthConfig health;
  if (check.none) {
    health.test = {"NONE"};
    return health;
  }
  health.test = {check.test.shell_form ? "CMD-SHELL" : "CMD"};
  health.test.insert(health.test.end(), check.test.args.begin(), check.test.args.end());
  health.interval = check.interval_ns;
  health.timeout = check.timeout_ns;
  health.start_period = check.start_period_ns;
  health.start_interval = check.start_interval_ns;
  health.retries = check.retries;
  return health;
}

// ARG's history names each argument with the value it ended up with.
std::string ArgText(const parser::ArgCommand& arg, const parser::Step& step) {
  std::string text = "ARG";
  for (const parser::ArgDeclaration& declaration : arg.args) {
    text += " " + declaration.name;
    for (const parser::KeyValue& kv : step.build_args) {
      if (kv.key == declaration.name) text += "=" + kv.value;
    }
  }
  return text;
}

std::vector<std::string> CommandArgs(const ImageConfig& config,
                                     const parser::CommandLine& command) {
  return command.shell_form ? WithShell(config, command.args) : command.args;
}

// Applies one instruction; returns its history text, or nullopt for none.
struct MetadataApplier {
  StageConfig& stage;
  const parser::Step& step;
  layers::ContainerConfig& config = stage.image.config;

  std::optional<std::string> operator()(const parser::EnvCommand& env) {
    for (const parser::KeyValue& kv : env.vars) SetEnv(config.env, kv.key, kv.value);
    return "ENV" + KeyValueText(env.vars);
  }
  std::optional<std::string> operator()(const parser::ArgCommand& arg) {
    for (const parser::ArgDeclaration& declaration : arg.args) {
      stage.declared_args.push_back(declaration.name);
    }
    return ArgText(arg, step);
  }
  std::optional<std::string> operator()(const parser::LabelCommand& label) {
    for (const parser::KeyValue& kv : label.labels) config.labels[kv.key] = kv.value;
    return "LABEL" + KeyValueText(label.labels);
  }
  std::optional<std::string> operator()(const parser::CmdCommand& cmd) {
    config.cmd = CommandArgs(stage.image, cmd.command);
    config.args_escaped = true;
    stage.cmd_set = true;
    return "CMD " + GoQuoteList(config.cmd);
  }
  std::optional<std::string> operator()(const parser::EntrypointCommand& entrypoint) {
    config.entrypoint = CommandArgs(stage.image, entrypoint.command);
    if (!stage.cmd_set) config.cmd.clear();
    return "ENTRYPOINT " + GoQuoteList(config.entrypoint);
  }
  std::optional<std::string> operator()(const parser::ShellCommand& shell) {
    config.shell = shell.shell;
    return "SHELL " + GoList(shell.shell);
  }
  std::optional<std::string> operator()(const parser::ExposeCommand& expose) {
    std::vector<std::string> ports;
    for (const std::string& port : expose.ports) AddExposedPorts(ports, port);
    config.exposed_ports.insert(ports.begin(), ports.end());
    return "EXPOSE " + GoList(ports);  // BuildKit's fmt %v of the expanded list
  }
  std::optional<std::string> operator()(const parser::VolumeCommand& volume) {
    for (const std::string& path : volume.paths) {
      if (path.empty()) Fail("VOLUME specified can not be an empty string");
      config.volumes.insert(path);
    }
    return "VOLUME " + GoList(volume.paths);
  }
  std::optional<std::string> operator()(const parser::UserCommand& user) {
    config.user = user.user;
    return "USER " + user.user;
  }
  std::optional<std::string> operator()(const parser::WorkdirCommand& workdir) {
    config.working_dir = ResolveWorkdir(config.working_dir, workdir.path);
    return "WORKDIR " + config.working_dir;
  }
  std::optional<std::string> operator()(const parser::StopsignalCommand& stop) {
    config.stop_signal = stop.signal;
    return "STOPSIGNAL " + stop.signal;
  }
  std::optional<std::string> operator()(const parser::HealthcheckCommand& check) {
    config.healthcheck = ToHealthConfig(check);
    return "HEALTHCHECK " + HealthcheckText(*config.healthcheck);
  }
  std::optional<std::string> operator()(const parser::OnbuildCommand& onbuild) {
    config.on_build.push_back(onbuild.expression);
    return std::nullopt;  // BuildKit records no history for ONBUILD
  }
  std::optional<std::string> operator()(const parser::MaintainerCommand& maintainer) {
    stage.image.author = maintainer.name;
    return "MAINTAINER " + maintainer.name;
  }
  template <typename Other>
  std::optional<std::string> operator()(const Other&) {
    Fail("{} is not a metadata instruction", step.instruction.keyword);
  }
};

}  // namespace

ImageConfig ScratchConfig(const parser::Platform& platform) {
  ImageConfig config{
      .architecture = platform.architecture, .os = platform.os, .variant = platform.variant};
  config.config.working_dir = "/";
  config.config.env = {"PATH=" + std::string(kDefaultPathEnv)};
  return config;
}

StageConfig StartStage(ImageConfig base) {
  base.created.clear();
  base.config.on_build.clear();
  if (!HasEnv(base.config.env, "PATH")) {
    base.config.env.push_back("PATH=" + std::string(kDefaultPathEnv));
  }
  return StageConfig{std::move(base), false};
}

bool MakesLayer(const parser::Instruction& instruction, const ImageConfig& config) {
  if (std::holds_alternative<parser::RunCommand>(instruction.command) ||
      std::holds_alternative<parser::CopyCommand>(instruction.command)) {
    return true;
  }
  if (const auto* workdir = std::get_if<parser::WorkdirCommand>(&instruction.command)) {
    return ResolveWorkdir(config.config.working_dir, workdir->path) != "/";
  }
  return false;
}

void ApplyMetadataStep(StageConfig& stage, const parser::Step& step, const std::string& created) {
  bool layer = MakesLayer(step.instruction, stage.image);
  std::optional<std::string> history =
      std::visit(MetadataApplier{stage, step}, step.instruction.command);
  if (history) AddHistory(stage.image, std::move(*history), !layer, created);
}

void AddHistory(ImageConfig& config, std::string created_by, bool empty_layer,
                const std::string& created) {
  config.history.push_back(layers::HistoryEntry{.created = created,
                                                .created_by = std::move(created_by),
                                                .comment = std::string(kHistoryComment),
                                                .empty_layer = empty_layer});
}

std::string ResolveWorkdir(std::string_view current, std::string_view path) {
  if (!path.empty() && path.front() == '/') return CleanAbsolute(path);
  return CleanAbsolute(std::string(current) + "/" + std::string(path));
}

std::vector<std::string> WithShell(const ImageConfig& config,
                                   const std::vector<std::string>& args) {
  std::vector<std::string> argv = config.config.shell;
  if (argv.empty()) argv = {"/bin/sh", "-c"};
  argv.push_back(fmt::format("{}", fmt::join(args, " ")));
  return argv;
}

bool RunsHeredocScript(const parser::RunCommand& run) {
  return !run.heredocs.empty() && run.command.shell_form && run.command.args.size() == 1 &&
         parser::IsHeredocWord(run.command.args[0]) && run.heredocs[0].content.starts_with("#!");
}

std::vector<std::string> RunArgv(const ImageConfig& config, const parser::RunCommand& run,
                                 std::string_view script_path) {
  std::vector<std::string> args = run.command.args;
  if (!run.heredocs.empty() && args.size() == 1) {
    if (RunsHeredocScript(run)) {
      args = {std::string(script_path) + run.heredocs[0].name};
    } else if (parser::IsHeredocWord(args[0])) {
      args = {run.heredocs[0].content};
    } else {
      // Reassembled for the shell, which reads the heredocs itself.
      std::string full = args[0];
      for (const parser::Heredoc& heredoc : run.heredocs) {
        full += "\n" + heredoc.content + heredoc.name;
      }
      args = {full};
    }
  }
  return run.command.shell_form ? WithShell(config, args) : args;
}

std::vector<parser::KeyValue> RunBuildArgs(const StageConfig& stage, const parser::Step& step) {
  std::vector<parser::KeyValue> args;
  for (const std::string& name : stage.declared_args) {
    auto listed = [&](const parser::KeyValue& kv) { return kv.key == name; };
    if (std::any_of(args.begin(), args.end(), listed)) continue;
    std::string value;
    if (const std::string* env = FindEnv(stage.image.config.env, name)) {
      value = env->substr(name.size() + 1);
    } else if (auto it = std::find_if(step.build_args.begin(), step.build_args.end(), listed);
               it != step.build_args.end()) {
      value = it->value;
    }
    args.push_back({name, value});
  }
  return args;
}

std::string RunHistoryText(const std::vector<std::string>& argv,
                           const std::vector<parser::KeyValue>& build_args) {
  std::string text = "RUN ";
  if (!build_args.empty()) {
    text += fmt::format("|{}", build_args.size());
    for (const parser::KeyValue& kv : build_args) text += " " + kv.key + "=" + kv.value;
    text += " ";
  }
  return text + fmt::format("{}", fmt::join(argv, " ")) + " # buildkit";
}

std::string CopyHistoryText(const parser::CopyCommand& copy) {
  std::string text = copy.is_add ? "ADD" : "COPY";
  for (const std::string& source : copy.sources) {
    if (!parser::IsHeredocWord(source)) text += " " + source;
  }
  for (const parser::Heredoc& heredoc : copy.heredocs) text += " <<" + heredoc.name;
  return text + " " + copy.destination + " # buildkit";
}

std::vector<std::string> RunEnvironment(const ImageConfig& config, const parser::Step& step) {
  std::vector<std::string> env = config.config.env;
  for (const parser::KeyValue& kv : step.build_args) {
    if (!HasEnv(env, kv.key)) env.push_back(kv.key + "=" + kv.value);
  }
  if (!HasEnv(env, "PATH")) env.push_back("PATH=" + std::string(kDefaultPathEnv));
  return env;
}

}  // namespace imgbuild::builder
