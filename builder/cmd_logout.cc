// `imgbuild logout [REGISTRY]`: forgets the credentials `imgbuild login`
// (or `docker login`) stored for a registry.
#include <memory>

#include <fmt/format.h>

#include "builder/commands.h"
#include "registry/registry.h"

namespace imgbuild::cli {
namespace {

// Logging out talks to no registry, so it takes no registry flags.
int RunLogout(const std::string& registry) {
  if (registry::Logout(registry, registry::RegistryOptions{})) {
    fmt::print("Removed login credentials for {}\n", registry);
  } else {
    fmt::print("Not logged in to {}\n", registry);
  }
  return 0;
}

}  // namespace

CommandSpec LogoutCommand() {
  return {"logout", "Log out of a registry", [](CLI::App& app) -> Action {
            auto registry = std::make_shared<std::string>("docker.io");
            app.add_option("registry", *registry,
                           "Registry HOST[:PORT] (default: docker.io)");
            app.footer(
                "Removes the registry's entry from config.json ($DOCKER_CONFIG, else ~/.docker)\n"
                "or erases it from the credential helper config.json names. Not being logged in\n"
                "is not an error.");
            return [registry] { return RunLogout(*registry); };
          }};
}

}  // namespace imgbuild::cli
