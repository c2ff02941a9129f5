#include "builder/run_step.h"

#include <fcntl.h>

#include <optional>

#include "builder/config_update.h"
#include "builder/user_db.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::builder {
namespace {

constexpr std::string_view kHeredocScriptDir = "/dev/pipes/";
constexpr size_t kMaxQuotedInstruction = 100;

// The instruction as errors quote it: its first line, shortened.
std::string Summary(const parser::Instruction& instruction) {
  std::string text = instruction.original.substr(0, instruction.original.find('\n'));
  if (text.size() > kMaxQuotedInstruction) text = text.substr(0, kMaxQuotedInstruction) + "...";
  return text;
}

bool HasHome(const std::vector<std::string>& env) {
  for (const std::string& entry : env) {
    if (entry.starts_with("HOME=")) return true;
  }
  return false;
}

// A single heredoc with a shebang runs as a file under /dev/pipes/, as
// BuildKit mounts it; the file lives in the build's scratch directory.
struct HeredocScript {
  TempDir dir;
  SandboxMount mount;
};

std::optional<HeredocScript> WriteHeredocScript(const parser::RunCommand& run,
                                                const RunContext& context) {
  if (!RunsHeredocScript(run)) return std::nullopt;
  const parser::Heredoc& heredoc = run.heredocs.front();
  TempDir dir = context.scratch->NewDir("heredoc-");
  std::string path = dir.path() + "/" + heredoc.name;
  UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT | O_EXCL, 0755);
  WriteAll(fd.get(), heredoc.content.data(), heredoc.content.size(), path);
  SandboxMount mount{std::string(kHeredocScriptDir) + heredoc.name, BindMount{path, true}};
  return HeredocScript{std::move(dir), std::move(mount)};
}

}  // namespace

NetworkMode RunNetwork(const parser::RunCommand& run, const RunContext& context) {
  if (!run.mounts.empty()) {
    Fail(
        "{}: RUN --mount=type={} is not supported yet; remove the flag (or copy what the step "
        "needs into the image first)",
        context.where, parser::MountTypeName(run.mounts.front().type));
  }
  if (run.security == "insecure") {
    Fail("{}: RUN --security=insecure is not supported", context.where);
  }
  if (run.network == "none") return NetworkMode::kNone;
  if (run.network == "host") return NetworkMode::kHost;
  return context.default_network;
}

void RunInRootfs(const std::string& rootfs, const layers::ImageConfig& config,
                 const parser::Step& step, const RunContext& context) {
  const auto& run = std::get<parser::RunCommand>(step.instruction.command);
  SandboxSpec spec;
  spec.network = RunNetwork(run, context);
  spec.rootfs = rootfs;
  spec.argv = RunArgv(config, run, kHeredocScriptDir);
  spec.env = RunEnvironment(config, step);
  UserIdentity user = AtLocation(context.where, [&] {
    return ResolveRunUser(config.config.user, UserDatabase::Read(rootfs));
  });
  if (!HasHome(spec.env)) spec.env.push_back("HOME=" + user.home);
  spec.uid = user.uid;
  spec.gid = user.gid;
  spec.supplementary_gids = user.supplementary_gids;
  spec.working_dir = config.config.working_dir.empty() ? "/" : config.config.working_dir;
  if (context.scratch != nullptr) spec.etc_dir = context.scratch->SandboxEtcDir(spec.network);
  std::optional<HeredocScript> script = WriteHeredocScript(run, context);
  if (script) spec.mounts.push_back(script->mount);
  SandboxResult result = AtLocation(
      context.where, [&] { return RunInSandbox(spec, context.on_output, context.cancel); });
  if (result.cancelled) throw BuildCancelled(context.where + ": cancelled");
  if (!result.Succeeded()) {
    Fail("{}: {}: {}", context.where, Summary(step.instruction), result.Describe());
  }
}

}  // namespace imgbuild::builder
