#include "registry/registry.h"

#include "registry/docker_config.h"
#include "registry/pull.h"
#include "registry/push.h"
#include "registry/reference.h"
#include "registry/registry_client.h"
#include "util/error.h"
#include "util/platform.h"

namespace imgbuild::registry {

PullResult Pull(const layers::Store& store, std::string_view reference, std::string_view platform,
                const RegistryOptions& options) {
  Reference parsed = Reference::Parse(reference);
  PlatformSpec wanted = platform.empty() ? PlatformSpec::Host() : PlatformSpec::Parse(platform);
  RegistryClient client(parsed.registry, options);
  return PullImage(client, store, parsed, wanted);
}

layers::Descriptor Push(const layers::Store& store, const layers::Descriptor& image,
                        std::string_view destination, const RegistryOptions& options) {
  Reference parsed = Reference::Parse(destination);
  RegistryClient client(parsed.registry, options);
  return PushImage(client, store, image, parsed);
}

void Login(std::string_view registry, std::string_view username, std::string_view password,
           const RegistryOptions& options) {
  std::string name = NormalizeRegistryName(registry.empty() ? kDockerHub : registry);
  Credentials credentials{std::string(username), std::string(password)};
  RegistryClient client(name, options, credentials);
  client.Connect();
  if (client.auth().UsesBearer()) {
    client.auth().VerifyBearerCredentials();
  } else {
    HttpResponse response = client.SendOnce({.url = client.Url("/v2/")}, {});
    if (response.status == 401 || response.status == 403) {
      Fail("login to {} failed: the registry refused user \"{}\" (HTTP {}); check the username "
           "and password",
           name, username, response.status);
    }
    if (response.status != 200) client.FailStatus(response, "GET", "login to " + name, {});
  }
  DockerConfig(ResolveDockerConfigDir(options.docker_config_dir)).Save(name, credentials);
}

bool Logout(std::string_view registry, const RegistryOptions& options) {
  std::string name = NormalizeRegistryName(registry.empty() ? kDockerHub : registry);
  return DockerConfig(ResolveDockerConfigDir(options.docker_config_dir)).Erase(name);
}

}  // namespace imgbuild::registry
