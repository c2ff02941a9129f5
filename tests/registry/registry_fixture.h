// A real registry for tests: Debian's docker-registry (the reference
// implementation) on a free loopback port with its storage in a temporary
// directory, anonymous, behind htpasswd Basic auth, or behind token auth
// served by tests/registry/token_server.py. Stopped when destroyed.
#ifndef IMGBUILD_TESTS_REGISTRY_REGISTRY_FIXTURE_H_
#define IMGBUILD_TESTS_REGISTRY_REGISTRY_FIXTURE_H_

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "layers/digest.h"
#include "util/temp_dir.h"

namespace imgbuild::registry::testing {

enum class RegistryAuth { kAnonymous, kHtpasswd, kToken };

/// What a user may do in token mode: `actions` ("pull", "push") on
/// repositories matching `repository` (a glob; "*" matches any suffix).
/// User "" grants to everyone, anonymous included.
struct TokenGrant {
  std::string user;
  std::string repository;
  std::vector<std::string> actions;
};

struct TestRegistryOptions {
  RegistryAuth auth = RegistryAuth::kAnonymous;
  /// Users and passwords (htpasswd and token modes).
  std::map<std::string, std::string> users{};
  /// Token mode only.
  std::vector<TokenGrant> grants{};
  /// Serve HTTPS with a self-signed certificate for 127.0.0.1 (ca_file()).
  bool tls = false;
};

/// A child process killed (SIGTERM, then reaped) when destroyed.
class ChildProcess {
 public:
  /// Starts `argv` with stdout and stderr appended to `log_path`. Throws
  /// Error when it cannot be started.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();
  /// Whether it has exited (reaps it then).
  bool Exited();

 private:
  pid_t pid_ = -1;
};

/// A Python test server from tests/registry/ that listens on a free
/// loopback port and writes it to `port_file` (one of its `args`); stopped
/// when destroyed.
class PythonServer {
 public:
  /// Starts `script` with `args`, logging to `log_path`, and waits for the
  /// port. Throws Error with the log when it does not come up.
  PythonServer(const std::string& script, const std::vector<std::string>& args,
               const std::string& port_file, const std::string& log_path);
  int port() const { return port_; }

 private:
  ChildProcess process_;
  int port_ = 0;
};

class TestRegistry {
 public:
  /// Starts the registry (and token server) and waits until it accepts
  /// connections. Throws Error with the registry's log when it does not
  /// come up, or when docker-registry, htpasswd or openssl is missing.
  explicit TestRegistry(TestRegistryOptions options = {});
  ~TestRegistry();

  /// "127.0.0.1:<port>".
  const std::string& host() const { return host_; }
  /// Where the registry keeps blob `digest`'s bytes.
  std::string BlobDataPath(const layers::Digest& digest) const;
  /// Token requests served so far (token mode), one JSON line each.
  std::vector<std::string> TokenRequests() const;
  /// The registry's log so far.
  std::string Log() const;
  /// The certificate a TLS registry serves, to trust with --tls-ca.
  std::string ca_file() const { return dir() + "/registry-cert.pem"; }
  /// The temporary directory holding config, storage and logs.
  const std::string& dir() const { return dir_.path(); }

 private:
  std::string WriteAuthConfig(const TestRegistryOptions& options);
  std::string StartTokenServer(const TestRegistryOptions& options);
  std::string WriteTlsConfig();

  TempDir dir_;
  std::string host_;
  std::optional<PythonServer> token_server_;
  std::optional<ChildProcess> registry_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();

}  // namespace imgbuild::registry::testing

#endif  // IMGBUILD_TESTS_REGISTRY_REGISTRY_FIXTURE_H_
