// How each instruction changes a stage's image config, and the history
// entry it leaves, the way BuildKit's dockerfile frontend does it
// (dockerfile2llb: dispatchEnv, dispatchCmd, commitToHistory, ...), so
// that the same recipe gives the same config as `docker build`. Pure: no
// file system, no clock (the caller passes the creation time).
#ifndef IMGBUILD_BUILDER_CONFIG_UPDATE_H_
#define IMGBUILD_BUILDER_CONFIG_UPDATE_H_

#include <string>
#include <string_view>
#include <vector>

#include "layers/oci.h"
#include "parser/graph.h"
#include "parser/platform.h"

namespace imgbuild::builder {

/// Docker's PATH for images whose environment has none.
inline constexpr std::string_view kDefaultPathEnv =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// BuildKit's `comment` on every history entry a recipe step makes.
inline constexpr std::string_view kHistoryComment = "buildkit.dockerfile.v0";

/// The image config a stage is building, plus what only the build knows.
struct StageConfig {
  layers::ImageConfig image;
  /// CMD appeared in this stage: a later ENTRYPOINT keeps it.
  bool cmd_set = false;
  /// Names of the ARGs declared so far (a base stage's first), in order:
  /// RUN's history names them all.
  std::vector<std::string> declared_args{};
};

/// The config of `FROM scratch`: platform fields, PATH, WORKDIR /.
layers::ImageConfig ScratchConfig(const parser::Platform& platform);

/// Prepares a base image's config for a new stage: drops `created` and the
/// ONBUILD triggers (the graph already turned them into steps) and adds
/// PATH when the environment has none, as BuildKit does.
StageConfig StartStage(layers::ImageConfig base);

/// True for instructions that change the file system and so make a layer:
/// RUN, COPY, ADD, and WORKDIR (which creates its directory) unless it
/// resolves to "/" in `config`.
bool MakesLayer(const parser::Instruction& instruction, const layers::ImageConfig& config);

/// Applies a metadata-only instruction (everything but RUN, COPY and ADD;
/// WORKDIR only sets the directory here: the caller creates it) to
/// `stage`, and appends its history entry with `created` (RFC 3339, "" for
/// none) unless BuildKit writes none (ONBUILD). Throws Error for RUN, COPY
/// or ADD, and for a WORKDIR that does not resolve to an absolute path.
void ApplyMetadataStep(StageConfig& stage, const parser::Step& step, const std::string& created);

/// Appends a history entry with BuildKit's comment.
void AddHistory(layers::ImageConfig& config, std::string created_by, bool empty_layer,
                const std::string& created);

/// The WORKDIR `path` resolves to from `current` (absolute, cleaned; a
/// relative path continues `current`, "" meaning "/").
std::string ResolveWorkdir(std::string_view current, std::string_view path);

/// The argv of a shell-form command: the config's SHELL (default
/// ["/bin/sh", "-c"]) followed by `args` joined with spaces.
std::vector<std::string> WithShell(const layers::ImageConfig& config,
                                   const std::vector<std::string>& args);

/// The argv a RUN executes, as BuildKit derives it: heredoc scripts as
/// the shell's command (or, with a shebang, `script_path` for the script
/// the caller puts there), other heredocs appended to the command line,
/// exec form as written, shell form through WithShell.
std::vector<std::string> RunArgv(const layers::ImageConfig& config, const parser::RunCommand& run,
                                 std::string_view script_path = "/dev/pipes/");

/// True when the RUN is a single heredoc whose body starts with "#!": the
/// body is then run as a file (BuildKit mounts it under /dev/pipes/).
bool RunsHeredocScript(const parser::RunCommand& run);

/// The build args that go into the history text and cache key of the RUN
/// `step`, as BuildKit lists them: every ARG declared in the stage, once,
/// in order, with the value the RUN sees (an ENV of the same name wins; ""
/// for an ARG without value). Proxy variables given only as --build-arg
/// are left out.
std::vector<parser::KeyValue> RunBuildArgs(const StageConfig& stage, const parser::Step& step);

/// RUN's history text: "RUN [|N K=v...] argv... # buildkit".
std::string RunHistoryText(const std::vector<std::string>& argv,
                           const std::vector<parser::KeyValue>& build_args);

/// COPY/ADD's history text: "COPY src... /dst # buildkit".
std::string CopyHistoryText(const parser::CopyCommand& copy);

/// The environment of a RUN: the image's, then the build args in scope
/// that ENV does not override; PATH added when missing.
std::vector<std::string> RunEnvironment(const layers::ImageConfig& config,
                                        const parser::Step& step);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_CONFIG_UPDATE_H_
