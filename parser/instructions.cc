// ParseInstruction: BuildKit's frontend/dockerfile/parser/line_parsers.go
// (how each keyword's argument text is split into words) and
// instructions/parse.go (what the words and flags must be), with
// BuildKit's messages where a user may search for them.
#include "parser/instructions.h"

#include <algorithm>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "parser/flags.h"
#include "parser/instruction_checks.h"
#include "parser/mount.h"
#include "util/ascii.h"

namespace imgbuild::parser {
namespace {

// The instruction being parsed, and where its errors point.
struct Request {
  const RawInstruction& raw;
  const Ast& ast;

  [[noreturn]] void FailAt(SourceLocation where, std::string message) const {
    throw ast.ErrorAt(where, std::move(message));
  }
  [[noreturn]] void Fail(std::string message) const { FailAt(raw.keyword_at, std::move(message)); }
  InstructionFlags Flags(std::vector<FlagSpec> accepted = {}) const {
    return InstructionFlags(raw, ast, std::move(accepted));
  }
  char escape() const { return ast.directives.escape; }
  const std::string& keyword() const { return raw.keyword; }
};

// BuildKit's reWhitespace, `[\t\v\f\r ]+`.
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }
bool IsSpace(char c) { return IsBlank(c) || c == '\n'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

// parseStringsWhitespaceDelimited: words between runs of blanks, quotes
// and escapes left alone (expansion deals with them).
std::vector<std::string> SplitBlanks(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsBlank(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !IsBlank(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

// parseWords: splits at unquoted whitespace, keeping quotes and escapes in
// the words for expansion to remove; `""` makes a word of its own.
std::vector<std::string> SplitQuotedWords(std::string_view text, char escape) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  bool blank_ok = false;  // the word had quotes, so it counts even when empty
  char quote = 0;
  auto finish = [&] {
    if (blank_ok || !word.empty()) words.push_back(word);
    word.clear();
    blank_ok = false;
    in_word = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == escape && quote != '\'') {
        if (i + 1 == text.size()) continue;  // a trailing escape is dropped
        word += c;
        c = text[++i];
      }
      word += c;
      continue;
    }
    if (IsSpace(c)) {
      if (in_word) finish();
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      quote = c;
      blank_ok = true;
    } else if (c == escape) {
      if (i + 1 == text.size()) continue;
      word += c;
      c = text[++i];
    }
    word += c;
  }
  if (in_word) finish();
  return words;
}

// A JSON array with something other than strings in it is an error, not
// the shell form (BuildKit's errDockerfileNotStringArray).
void RejectNonStringJson(const Request& req, std::string_view text) {
  std::string_view trimmed = Trim(text);
  if (trimmed.empty() || trimmed[0] != '[') return;
  nlohmann::json parsed = nlohmann::json::parse(trimmed.begin(), trimmed.end(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) return;
  if (std::all_of(parsed.begin(), parsed.end(), [](const nlohmann::json& e) { return e.is_string(); })) return;
  req.FailAt(req.raw.args_at, "when using JSON array syntax, arrays must be comprised of strings only");
}

// parseMaybeJSON: exec form for a JSON string array, else the text as one
// shell-form argument ("" gives no argument at all).
CommandLine CommandLineOf(const Request& req, std::string_view text,
                          const std::optional<std::vector<std::string>>& json) {
  RejectNonStringJson(req, text);
  if (json) return CommandLine{*json, false};
  if (text.empty()) return CommandLine{{}, true};
  return CommandLine{{std::string(text)}, true};
}

// The single argument of USER, WORKDIR, STOPSIGNAL and MAINTAINER.
std::string SingleArgument(const Request& req) {
  if (req.raw.args.empty()) req.Fail(fmt::format("{} requires exactly one argument", req.keyword()));
  req.Flags();
  return req.raw.args;
}

// Runs `check` on `word` when it has no variables in it; anything else is
// checked after expansion.
void CheckIfConstant(const Request& req, SourceLocation where, std::string_view word,
                     const std::function<void(const std::string&)>& check) {
  std::optional<std::string> value = ConstantValue(word, req.escape());
  if (!value) return;
  try {
    check(*value);
  } catch (const ParseError&) {
    throw;
  } catch (const Error& e) {
    req.FailAt(where, e.what());
  }
}

bool IsValidStageName(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

Command ParseFrom(const Request& req) {
  std::vector<std::string> args = SplitBlanks(req.raw.args);
  FromCommand from;
  if (args.size() == 3 && AsciiUpper(args[1]) == "AS") {
    from.stage_name = AsciiLower(args[2]);
    if (!IsValidStageName(from.stage_name)) {
      req.FailAt(req.raw.args_at,
                 fmt::format("invalid name for build stage: \"{}\", name can't start with a number "
                             "or contain symbols (use letters, digits, '-', '_' and '.')",
                             args[2]));
    }
  } else if (args.size() != 1) {
    req.Fail("FROM requires either one or three arguments: FROM [--platform=P] IMAGE [AS NAME]");
  }
  InstructionFlags flags = req.Flags({{"platform", FlagKind::kString}});
  from.image = args[0];
  from.platform = flags.String("platform");
  return from;
}

void CheckChoice(const Request& req, const InstructionFlags& flags, std::string_view name,
                 std::initializer_list<std::string_view> choices) {
  if (!flags.Used(name)) return;
  std::string value = flags.String(name);
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return;
  std::string allowed;
  for (std::string_view choice : choices) allowed += (allowed.empty() ? "" : ", ") + std::string(choice);
  req.FailAt(flags.Where(name), fmt::format("invalid value \"{}\" for --{} (use one of: {})", value,
                                            name, allowed));
}

Command ParseRun(const Request& req) {
  InstructionFlags flags = req.Flags({{"mount", FlagKind::kStrings},
                                      {"network", FlagKind::kString},
                                      {"security", FlagKind::kString}});
  CheckChoice(req, flags, "network", {"default", "none", "host"});
  CheckChoice(req, flags, "security", {"sandbox", "insecure"});
  RunCommand run;
  run.network = flags.String("network");
  run.security = flags.String("security");
  run.command = CommandLineOf(req, req.raw.args, req.raw.json_args);
  if (run.command.args.empty()) req.Fail("RUN requires at least one argument: the command to run");
  MountValueExpander constant = [&](std::string_view value) { return ConstantValue(value, req.escape()); };
  std::vector<std::string> specs;
  for (const FlagUse& use : flags.Uses("mount")) {
    try {
      ParseMounts({use.value}, constant);  // checked one by one to point at the bad one
    } catch (const Error& e) {
      req.FailAt(use.where, e.what());
    }
    specs.push_back(use.value);
  }
  run.mounts = ParseMounts(specs, constant);
  run.heredocs = req.raw.heredocs;
  return run;
}

CommandLine ParseCmdOrEntrypoint(const Request& req) {
  req.Flags();
  CommandLine command = CommandLineOf(req, req.raw.args, req.raw.json_args);
  if (command.shell_form && command.args.empty()) {
    req.Fail(fmt::format("{} requires at least one argument (write {} [] to clear it)", req.keyword(),
                         req.keyword()));
  }
  return command;
}

Command ParseShell(const Request& req) {
  req.Flags();
  RejectNonStringJson(req, req.raw.args);
  if (req.raw.args.empty() || (req.raw.json_args && req.raw.json_args->empty())) {
    req.Fail("SHELL requires at least one argument");
  }
  if (!req.raw.json_args) {
    req.FailAt(req.raw.args_at, "SHELL requires the arguments to be in JSON form, e.g. "
                                "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]");
  }
  return ShellCommand{*req.raw.json_args};
}

// parseNameVal: `K=V ...`, or the legacy `K V with spaces` when the first
// word has no '='.
std::vector<KeyValue> ParseKeyValues(const Request& req) {
  req.Flags();
  std::vector<std::string> words = SplitQuotedWords(req.raw.args, req.escape());
  if (words.empty()) req.Fail(fmt::format("{} requires at least one argument", req.keyword()));
  std::vector<KeyValue> pairs;
  if (words[0].find('=') == std::string::npos) {
    std::string_view args = req.raw.args;
    size_t key_end = 0;
    while (key_end < args.size() && !IsBlank(args[key_end])) ++key_end;
    size_t value_start = key_end;
    while (value_start < args.size() && IsBlank(args[value_start])) ++value_start;
    if (key_end == args.size()) {
      req.FailAt(req.raw.args_at, fmt::format("{} must have two arguments: {} {}=VALUE, or the legacy "
                                              "{} {} VALUE",
                                              req.keyword(), req.keyword(), words[0], req.keyword(),
                                              words[0]));
    }
    pairs.push_back({std::string(args.substr(0, key_end)), std::string(args.substr(value_start))});
  } else {
    for (const std::string& word : words) {
      size_t equals = word.find('=');
      if (equals == std::string::npos) {
        req.FailAt(req.raw.args_at, fmt::format("Syntax error - can't find = in \"{}\". Must be of the "
                                                "form: name=value",
                                                word));
      }
      pairs.push_back({word.substr(0, equals), word.substr(equals + 1)});
    }
  }
  for (const KeyValue& pair : pairs) {
    if (pair.key.empty()) req.FailAt(req.raw.args_at, fmt::format("{} names can not be blank", req.keyword()));
  }
  return pairs;
}

Command ParseExpose(const Request& req) {
  std::vector<std::string> ports = SplitBlanks(req.raw.args);
  if (ports.empty()) req.Fail("EXPOSE requires at least one argument");
  req.Flags();
  for (const std::string& port : ports) {
    CheckIfConstant(req, req.raw.args_at, port, [](const std::string& value) { CheckExposedPort(value); });
  }
  return ExposeCommand{ports};
}

Command ParseArg(const Request& req) {
  req.Flags();
  std::vector<std::string> words = SplitQuotedWords(req.raw.args, req.escape());
  if (words.empty()) req.Fail("ARG requires at least one argument");
  ArgCommand arg;
  for (const std::string& word : words) {
    size_t equals = word.find('=');
    if (equals == 0) req.FailAt(req.raw.args_at, "ARG names can not be blank");
    ArgDeclaration declaration{word.substr(0, equals), std::nullopt};
    if (equals != std::string::npos) declaration.default_value = word.substr(equals + 1);
    arg.args.push_back(std::move(declaration));
  }
  return arg;
}

// ADD-only flags on COPY (and COPY-only ones on ADD) get a message that
// says so, rather than "unknown flag".
void RejectFlagsOfTheOther(const Request& req, bool is_add) {
  static const std::vector<std::string_view> kAddOnly = {"checksum", "keep-git-dir", "unpack"};
  static const std::vector<std::string_view> kCopyOnly = {"from", "parents"};
  const auto& foreign = is_add ? kCopyOnly : kAddOnly;
  for (const RawFlag& flag : req.raw.flags) {
    if (std::find(foreign.begin(), foreign.end(), flag.name) != foreign.end()) {
      req.FailAt(flag.where, fmt::format("--{} is only supported by {}, not {}", flag.name,
                                         is_add ? "COPY" : "ADD", req.keyword()));
    }
  }
}

Command ParseCopy(const Request& req, bool is_add) {
  RejectFlagsOfTheOther(req, is_add);
  RejectNonStringJson(req, req.raw.args);
  std::vector<std::string> args = req.raw.json_args ? *req.raw.json_args : SplitBlanks(req.raw.args);
  if (args.size() < 2) {
    req.Fail(fmt::format("{} requires at least two arguments, but {} provided. Destination could "
                         "not be determined: write {} SOURCE... DESTINATION",
                         req.keyword(), args.empty() ? "none was" : "only one was", req.keyword()));
  }
  std::vector<FlagSpec> accepted = {{"chown", FlagKind::kString}, {"chmod", FlagKind::kString},
                                    {"link", FlagKind::kBool}, {"exclude", FlagKind::kStrings}};
  if (is_add) {
    accepted.insert(accepted.end(), {{"checksum", FlagKind::kString},
                                     {"keep-git-dir", FlagKind::kBool},
                                     {"unpack", FlagKind::kBool}});
  } else {
    accepted.insert(accepted.begin(), {{"from", FlagKind::kString}, {"parents", FlagKind::kBool}});
  }
  InstructionFlags flags = req.Flags(accepted);
  CopyCommand copy;
  copy.is_add = is_add;
  copy.destination = args.back();
  if (!req.raw.json_args && IsHeredocWord(copy.destination)) {
    req.FailAt(req.raw.args_at, fmt::format("{} cannot accept a heredoc as a destination", req.keyword()));
  }
  copy.sources.assign(args.begin(), args.end() - 1);
  copy.from = flags.String("from");
  copy.chown = flags.String("chown");
  copy.chmod = flags.String("chmod");
  copy.link = flags.Bool("link");
  copy.parents = flags.Bool("parents");
  for (const FlagUse& use : flags.Uses("exclude")) copy.excludes.push_back(use.value);
  copy.checksum = flags.String("checksum");
  copy.keep_git_dir = flags.Bool("keep-git-dir");
  if (flags.Used("unpack")) copy.unpack = flags.Bool("unpack");
  copy.heredocs = req.raw.heredocs;
  if (!copy.chmod.empty()) {
    CheckIfConstant(req, flags.Where("chmod"), copy.chmod, [](const std::string& v) { ChmodSpec::Parse(v); });
  }
  if (flags.Used("checksum")) {
    CheckIfConstant(req, flags.Where("checksum"), copy.checksum, [](const std::string& v) { CheckChecksum(v); });
  }
  return copy;
}

Command ParseVolume(const Request& req) {
  RejectNonStringJson(req, req.raw.args);
  std::vector<std::string> paths = req.raw.json_args ? *req.raw.json_args : SplitBlanks(req.raw.args);
  if (paths.empty()) req.Fail("VOLUME requires at least one argument");
  req.Flags();
  VolumeCommand volume;
  for (const std::string& path : paths) {
    std::string_view trimmed = Trim(path);
    if (trimmed.empty()) req.FailAt(req.raw.args_at, "VOLUME specified can not be an empty string");
    volume.paths.emplace_back(trimmed);
  }
  return volume;
}

Command ParseOnbuild(const Request& req) {
  if (req.raw.trigger.empty()) req.Fail("ONBUILD requires at least one argument: the instruction to run");
  req.Flags();
  const RawInstruction& trigger = req.raw.trigger.front();
  if (trigger.keyword == "ONBUILD") {
    req.FailAt(trigger.keyword_at, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  }
  if (trigger.keyword == "FROM" || trigger.keyword == "MAINTAINER") {
    req.FailAt(trigger.keyword_at, fmt::format("{} isn't allowed as an ONBUILD trigger", trigger.keyword));
  }
  OnbuildCommand onbuild;
  onbuild.trigger.push_back(ParseInstruction(trigger, req.ast));
  // As BuildKit stores it: heredoc bodies follow the line, so the text
  // can be parsed again when a child image runs the trigger.
  onbuild.expression = req.raw.args;
  for (const Heredoc& heredoc : trigger.heredocs) onbuild.expression += "\n" + heredoc.content + heredoc.name;
  return onbuild;
}

// parseOptInterval: "" and "0s" mean "inherit"; anything else at least 1ms.
int64_t Interval(const Request& req, const InstructionFlags& flags, std::string_view name) {
  std::string value = flags.String(name);
  if (value.empty()) return 0;
  int64_t nanoseconds = 0;
  try {
    nanoseconds = ParseDuration(value);
  } catch (const Error& e) {
    req.FailAt(flags.Where(name), fmt::format("--{}: {}", name, e.what()));
  }
  if (nanoseconds != 0 && nanoseconds < 1'000'000) {
    req.FailAt(flags.Where(name), fmt::format("Interval \"{}\" cannot be less than 1ms (got --{}={})",
                                              name, name, value));
  }
  return nanoseconds;
}

int Retries(const Request& req, const InstructionFlags& flags) {
  std::string value = flags.String("retries");
  if (value.empty()) return 0;
  std::string_view digits = value;
  bool negative = digits[0] == '-';
  if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
  int64_t number = 0;
  bool valid = !digits.empty() && digits.size() <= 10;
  for (char c : digits) {
    valid = valid && c >= '0' && c <= '9';
    if (valid) number = number * 10 + (c - '0');
  }
  if (!valid || number > (negative ? 2147483648 : 2147483647)) {
    req.FailAt(flags.Where("retries"), fmt::format("--retries must be a whole number, not \"{}\"", value));
  }
  if (negative && number != 0) {
    req.FailAt(flags.Where("retries"), fmt::format("--retries cannot be negative ({})", value));
  }
  return static_cast<int>(number);
}

Command ParseHealthcheck(const Request& req) {
  std::string_view args = req.raw.args;
  if (args.empty()) req.Fail("HEALTHCHECK requires at least one argument: NONE, or CMD and a command");
  size_t type_end = 0;
  while (type_end < args.size() && !IsSpace(args[type_end])) ++type_end;
  std::string type = AsciiUpper(args.substr(0, type_end));
  std::string_view rest = Trim(args.substr(type_end));
  HealthcheckCommand health;
  if (type == "NONE") {
    if (!rest.empty()) req.FailAt(req.raw.args_at, "HEALTHCHECK NONE takes no arguments");
    if (!req.raw.flags.empty()) req.FailAt(req.raw.flags.front().where, "HEALTHCHECK NONE takes no flags");
    health.none = true;
    return health;
  }
  InstructionFlags flags = req.Flags({{"interval", FlagKind::kString},
                                      {"timeout", FlagKind::kString},
                                      {"start-period", FlagKind::kString},
                                      {"start-interval", FlagKind::kString},
                                      {"retries", FlagKind::kString}});
  if (type != "CMD") {
    req.FailAt(req.raw.args_at, fmt::format("Unknown type \"{}\" in HEALTHCHECK (try CMD)", type));
  }
  health.test = CommandLineOf(req, rest, ParseJsonStringArray(rest));
  if (health.test.args.empty()) req.Fail("Missing command after HEALTHCHECK CMD");
  health.interval_ns = Interval(req, flags, "interval");
  health.timeout_ns = Interval(req, flags, "timeout");
  health.start_period_ns = Interval(req, flags, "start-period");
  health.start_interval_ns = Interval(req, flags, "start-interval");
  health.retries = Retries(req, flags);
  return health;
}

Command ParseCommand(const Request& req) {
  using Parser = std::function<Command(const Request&)>;
  static const std::map<std::string, Parser, std::less<>> kParsers = {
      {"ADD", [](const Request& r) { return ParseCopy(r, true); }},
      {"ARG", ParseArg},
      {"CMD", [](const Request& r) -> Command { return CmdCommand{ParseCmdOrEntrypoint(r)}; }},
      {"COPY", [](const Request& r) { return ParseCopy(r, false); }},
      {"ENTRYPOINT", [](const Request& r) -> Command { return EntrypointCommand{ParseCmdOrEntrypoint(r)}; }},
      {"ENV", [](const Request& r) -> Command { return EnvCommand{ParseKeyValues(r)}; }},
      {"EXPOSE", ParseExpose},
      {"FROM", ParseFrom},
      {"HEALTHCHECK", ParseHealthcheck},
      {"LABEL", [](const Request& r) -> Command { return LabelCommand{ParseKeyValues(r)}; }},
      {"MAINTAINER", [](const Request& r) -> Command { return MaintainerCommand{SingleArgument(r)}; }},
      {"ONBUILD", ParseOnbuild},
      {"RUN", ParseRun},
      {"SHELL", ParseShell},
      {"STOPSIGNAL",
       [](const Request& r) -> Command {
         std::string signal = SingleArgument(r);
         CheckIfConstant(r, r.raw.args_at, signal, [](const std::string& v) { CheckStopSignal(v); });
         return StopsignalCommand{signal};
       }},
      {"USER", [](const Request& r) -> Command { return UserCommand{SingleArgument(r)}; }},
      {"VOLUME", ParseVolume},
      {"WORKDIR", [](const Request& r) -> Command { return WorkdirCommand{SingleArgument(r)}; }},
  };
  auto parser = kParsers.find(req.keyword());
  if (parser == kParsers.end()) req.Fail(fmt::format("unknown instruction: {}", req.keyword()));
  return parser->second(req);
}

}  // namespace

Instruction ParseInstruction(const RawInstruction& raw, const Ast& ast) {
  Request req{raw, ast};
  Instruction instruction;
  instruction.keyword = raw.keyword;
  instruction.range = raw.range;
  instruction.keyword_at = raw.keyword_at;
  instruction.original = std::string(Trim(raw.original));
  instruction.command = ParseCommand(req);
  return instruction;
}

}  // namespace imgbuild::parser
