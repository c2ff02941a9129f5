#include "registry/docker_config.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "registry/base64.h"
#include "registry/reference.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::registry {
namespace {

constexpr std::string_view kDockerHubConfigKey = "https://index.docker.io/v1/";
constexpr size_t kMaxConfigSize = 4 << 20;

using Json = nlohmann::ordered_json;

// Reads config.json; a missing file is an empty object. Parser messages
// quote the text around the error, which may be a secret, so they are not
// repeated.
Json ReadConfig(const std::string& path) {
  if (access(path.c_str(), F_OK) != 0 && errno == ENOENT) return Json::object();
  std::string text = ReadFileToString(path, kMaxConfigSize);
  Json config = Json::parse(text, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    Fail("{} is not a valid Docker config (a JSON object); fix or remove it", path);
  }
  return config;
}

void WriteConfig(const std::string& dir, const std::string& path, const Json& config) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) FailErrno("mkdir " + dir);
  WriteFileAtomically(path, config.dump(1, '\t') + "\n", dir, 0600);
}

// The credential helper configured for `registry`, "" when none.
std::string HelperFor(const Json& config, std::string_view registry) {
  if (auto helpers = config.find("credHelpers"); helpers != config.end() && helpers->is_object()) {
    for (const auto& [key, name] : helpers->items()) {
      if (NormalizeRegistryName(key) == registry && name.is_string()) {
        return name.get<std::string>();
      }
    }
  }
  if (auto store = config.find("credsStore"); store != config.end() && store->is_string()) {
    return store->get<std::string>();
  }
  return "";
}

std::string StringField(const Json& entry, const char* key) {
  auto field = entry.find(key);
  return field != entry.end() && field->is_string() ? field->get<std::string>() : "";
}

std::optional<Credentials> FromAuthsEntry(const Json& entry, const std::string& path,
                                          std::string_view key) {
  if (!entry.is_object()) return std::nullopt;
  Credentials credentials{StringField(entry, "username"), StringField(entry, "password"),
                          StringField(entry, "identitytoken")};
  if (std::string auth = StringField(entry, "auth"); !auth.empty()) {
    std::optional<std::string> decoded = Base64Decode(auth);
    size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      Fail("{}: the \"auth\" of \"{}\" is not base64 of \"user:password\"; log in again",
           path, key);
    }
    credentials.username = decoded->substr(0, colon);
    credentials.password = decoded->substr(colon + 1);
  }
  if (credentials.empty()) return std::nullopt;
  return credentials;
}

}  // namespace

std::string ResolveDockerConfigDir(std::string_view configured) {
  if (!configured.empty()) return std::string(configured);
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir != nullptr && *dir != '\0') return dir;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.docker";
  }
  if (const passwd* entry = getpwuid(geteuid()); entry != nullptr && entry->pw_dir != nullptr) {
    return std::string(entry->pw_dir) + "/.docker";
  }
  Fail("cannot find the Docker config directory: set $DOCKER_CONFIG or $HOME");
}

std::string DockerConfigKey(std::string_view registry) {
  return std::string(registry == kDockerHub ? kDockerHubConfigKey : registry);
}

std::optional<Credentials> DockerConfig::Lookup(std::string_view name) const {
  std::string registry = NormalizeRegistryName(name);
  Json config = ReadConfig(Path());
  if (std::string helper = HelperFor(config, registry); !helper.empty()) {
    if (auto credentials = CredentialHelper(helper).Get(DockerConfigKey(registry))) {
      return credentials;
    }
  }
  auto auths = config.find("auths");
  if (auths == config.end() || !auths->is_object()) return std::nullopt;
  for (const auto& [key, entry] : auths->items()) {
    if (NormalizeRegistryName(key) != registry) continue;
    if (auto credentials = FromAuthsEntry(entry, Path(), key)) return credentials;
  }
  return std::nullopt;
}

void DockerConfig::Save(std::string_view name, const Credentials& credentials) const {
  std::string registry = NormalizeRegistryName(name);
  Json config = ReadConfig(Path());
  std::string key = DockerConfigKey(registry);
  Json entry = Json::object();
  if (std::string helper = HelperFor(config, registry); !helper.empty()) {
    CredentialHelper(helper).Store(key, credentials);
  } else {
    if (!credentials.username.empty() || !credentials.password.empty()) {
      entry["auth"] = Base64Encode(credentials.username + ":" + credentials.password);
    }
    if (!credentials.identity_token.empty()) entry["identitytoken"] = credentials.identity_token;
  }
  if (!config.contains("auths") || !config["auths"].is_object()) config["auths"] = Json::object();
  config["auths"][key] = entry;
  WriteConfig(dir_, Path(), config);
}

bool DockerConfig::Erase(std::string_view name) const {
  std::string registry = NormalizeRegistryName(name);
  Json config = ReadConfig(Path());
  bool erased = false;
  if (std::string helper = HelperFor(config, registry); !helper.empty()) {
    erased = CredentialHelper(helper).Erase(DockerConfigKey(registry));
  }
  if (auto auths = config.find("auths"); auths != config.end() && auths->is_object()) {
    std::vector<std::string> keys;
    for (const auto& [key, entry] : auths->items()) {
      if (NormalizeRegistryName(key) == registry) keys.push_back(key);
    }
    for (const std::string& key : keys) auths->erase(key);
    if (!keys.empty()) {
      erased = true;
      WriteConfig(dir_, Path(), config);
    }
  }
  return erased;
}

}  // namespace imgbuild::registry
