// One typed struct per Dockerfile instruction, made from a RawInstruction
// with every flag checked. Values are as written until Expand() substitutes
// variables in the fields Docker expands. Modelled on BuildKit's
// frontend/dockerfile/instructions.
#ifndef IMGBUILD_PARSER_INSTRUCTIONS_H_
#define IMGBUILD_PARSER_INSTRUCTIONS_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parser/ast.h"
#include "parser/chmod.h"
#include "parser/duration.h"
#include "parser/shell_word.h"

namespace imgbuild::parser {

/// A `KEY=value` pair of ENV or LABEL, or an ARG declaration.
struct KeyValue {
  std::string key;
  std::string value;
};

/// An argument vector in shell form ("echo $HOME", run by the SHELL) or
/// exec form (["echo", "hi"], run directly).
struct CommandLine {
  std::vector<std::string> args;  ///< Shell form: exactly one element.
  bool shell_form = true;
};

/// FROM [--platform=P] IMAGE [AS NAME]
struct FromCommand {
  std::string image;     ///< "golang:1.22", "scratch", "img@sha256:...", or a stage name.
  std::string stage_name;  ///< Lower-cased AS name, "" when unnamed.
  std::string platform;  ///< --platform value, "" when absent.
};

/// One RUN --mount. After expansion (and at parse time when no value uses
/// a variable) BuildKit's defaults are filled in, so a builder reads the
/// fields as they are.
struct Mount {
  enum class Type { kBind, kCache, kTmpfs, kSecret, kSsh };
  enum class Sharing { kShared, kPrivate, kLocked };
  Type type = Type::kBind;
  /// Where it appears in the container; relative to WORKDIR when not
  /// absolute. Secret: /run/secrets/<id> unless exposed only as `env`, or
  /// "" then. Ssh: /run/buildkit/ssh_agent.<n> by default.
  std::string target;
  std::string source;      ///< Path in `from` (bind, cache); secret: names the secret, like `id`.
  std::string from;        ///< Stage or image providing `source`; "" for the context.
  /// Cache: defaults to the cleaned target. Secret: `source`, else `id`,
  /// else the target's base name. Ssh: "default".
  std::string id;
  bool read_only = false;  ///< Default: true for bind, secret and ssh.
  Sharing sharing = Sharing::kShared;
  /// Unset means the type's default: 0755 root-owned cache directory,
  /// 0400 secret file, 0600 ssh socket, all owned by uid/gid 0.
  std::optional<uint32_t> mode, uid, gid;
  std::optional<uint64_t> size_bytes;  ///< tmpfs size; unset means no limit.
  bool required = false;   ///< secret and ssh: fail when not provided.
  /// Secret exposed as this environment variable ("" = not exposed);
  /// `env=` without a name uses the id.
  std::string env;
  std::string spec;        ///< The --mount value as written, parsed again on expansion.
};

/// Mount type name as written in a recipe: "bind", "cache", ...
std::string_view MountTypeName(Mount::Type type);
/// Sharing mode name as written in a recipe: "shared", "private", "locked".
std::string_view SharingName(Mount::Sharing sharing);

/// RUN [--mount=...]... [--network=N] [--security=S] COMMAND
struct RunCommand {
  CommandLine command;
  std::vector<Mount> mounts;
  std::string network;   ///< "default", "none", "host", or "" when absent.
  std::string security;  ///< "sandbox", "insecure", or "" when absent.
  std::vector<Heredoc> heredocs;
};

struct CmdCommand { CommandLine command; };
struct EntrypointCommand { CommandLine command; };
/// SHELL ["executable", "parameters"]
struct ShellCommand { std::vector<std::string> shell; };
struct LabelCommand { std::vector<KeyValue> labels; };
/// EXPOSE 80 53/udp 8000-8010/tcp (after expansion: one port per element).
struct ExposeCommand { std::vector<std::string> ports; };
struct EnvCommand { std::vector<KeyValue> vars; };

/// One name of an ARG line, with its default when it has one.
struct ArgDeclaration {
  std::string name;
  std::optional<std::string> default_value;
};
struct ArgCommand { std::vector<ArgDeclaration> args; };

/// COPY and ADD: [--chown=U:G] [--chmod=M] [--link] [--exclude=P]...
/// COPY only: [--from=S] [--parents]. ADD only: [--checksum=D]
/// [--keep-git-dir[=B]] [--unpack[=B]].
struct CopyCommand {
  bool is_add = false;
  std::vector<std::string> sources;  ///< Heredoc sources appear as their `<<NAME` word.
  std::string destination;
  std::string from;
  std::string chown;
  std::string chmod;
  bool link = false;
  bool parents = false;
  std::vector<std::string> excludes;
  std::string checksum;  ///< "sha256:<hex>", "sha384:<hex>" or "sha512:<hex>".
  bool keep_git_dir = false;
  std::optional<bool> unpack;
  std::vector<Heredoc> heredocs;  ///< Bodies of the heredoc sources; expanded unless quoted.
};

struct VolumeCommand { std::vector<std::string> paths; };
struct UserCommand { std::string user; };
struct WorkdirCommand { std::string path; };
struct StopsignalCommand { std::string signal; };
struct MaintainerCommand { std::string name; };

/// HEALTHCHECK NONE, or HEALTHCHECK [--interval=D] [--timeout=D]
/// [--start-period=D] [--start-interval=D] [--retries=N] CMD command.
/// Durations are in nanoseconds, as in an image config; 0 means "inherit".
struct HealthcheckCommand {
  bool none = false;
  CommandLine test;
  int64_t interval_ns = 0;
  int64_t timeout_ns = 0;
  int64_t start_period_ns = 0;
  int64_t start_interval_ns = 0;
  int retries = 0;
};

struct Instruction;
/// ONBUILD INSTRUCTION: stored as text in the image config; parsed here to
/// check it early.
struct OnbuildCommand {
  std::string expression;              ///< The trigger's text, unexpanded.
  std::vector<Instruction> trigger;    ///< Exactly one element.
};

using Command = std::variant<FromCommand, RunCommand, CmdCommand, EntrypointCommand,
                             ShellCommand, LabelCommand, ExposeCommand, EnvCommand,
                             ArgCommand, CopyCommand, VolumeCommand, UserCommand,
                             WorkdirCommand, OnbuildCommand, StopsignalCommand,
                             HealthcheckCommand, MaintainerCommand>;

/// A typed instruction with where it came from.
struct Instruction {
  std::string keyword;   ///< Upper case: "COPY".
  SourceRange range;
  SourceLocation keyword_at;
  std::string original;  ///< As written, for history entries and ONBUILD.
  Command command;
};

/// Gives meaning to `raw`: splits its arguments the way its keyword wants
/// (BuildKit's line parsers: ENV/LABEL/ARG keep quotes in their words for
/// expansion; COPY/ADD/VOLUME/EXPOSE/FROM split at blanks), checks every
/// flag (unknown flag, missing value, bad value, repeats) and the argument
/// count, parses ONBUILD's trigger, and checks values that use no variable
/// (--chmod, --checksum, --mount, EXPOSE ports, STOPSIGNAL). Throws
/// ParseError pointing at the flag or instruction in `ast`.
Instruction ParseInstruction(const RawInstruction& raw, const Ast& ast);

/// Substitutes variables in the fields Docker expands for this keyword:
/// COPY/ADD sources (not heredoc words), destination, --from, --chown,
/// --chmod, --checksum and unquoted heredoc bodies (quotes in a body stay
/// literal, as BuildKit does); ENV and LABEL keys and values; EXPOSE ports
/// (one word may become several; protocols are lower-cased); FROM image
/// and --platform; STOPSIGNAL, USER, WORKDIR, VOLUME; ARG defaults; RUN
/// --mount values (mounts are parsed again, defaults filled). RUN, CMD,
/// ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD and MAINTAINER are left alone.
/// Then checks what Docker checks on the result. Names looked up go into
/// `used`. Throws ParseError pointing at the instruction.
void ExpandInstruction(Instruction& instruction, const WordExpander& expander,
                       const VarLookup& lookup, const Ast& ast,
                       std::set<std::string>* used = nullptr);

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_INSTRUCTIONS_H_
