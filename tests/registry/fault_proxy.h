// The fault-injecting proxy (tests/registry/fault_proxy.py) in front of a
// test registry, and what it logged. Stopped when destroyed.
#ifndef IMGBUILD_TESTS_REGISTRY_FAULT_PROXY_H_
#define IMGBUILD_TESTS_REGISTRY_FAULT_PROXY_H_

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/registry/registry_fixture.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::registry::testing {

/// One request as fault_proxy.py logged it.
struct ProxiedRequest {
  std::string method;
  std::string path;
  int status = 0;     ///< 0 when no response was sent (reset).
  std::string fault;  ///< The rule's action ("500", "429:1", "reset", ...); "" = none.
  std::string range;  ///< The request's Range header; "" = none.
};

/// fault_proxy.py in front of `upstream` with `rules` (see its --help).
class FaultProxy {
 public:
  /// Starts the proxy. Throws Error (with the proxy's stderr) when a rule
  /// is invalid or it does not start.
  FaultProxy(const std::string& upstream, const std::vector<std::string>& rules)
      : server_("fault_proxy.py", Arguments(dir_.path(), upstream, rules),
                dir_.path() + "/port", dir_.path() + "/proxy.stderr") {}

  /// "127.0.0.1:PORT".
  std::string address() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  /// Every request so far, in order.
  std::vector<ProxiedRequest> Requests() const {
    std::vector<ProxiedRequest> requests;
    std::ifstream log(dir_.path() + "/proxy.log");
    for (std::string line; std::getline(log, line);) {
      nlohmann::json entry = nlohmann::json::parse(line);
      requests.push_back({entry["method"], entry["path"],
                          entry["status"].is_null() ? 0 : entry["status"].get<int>(),
                          entry["fault"].is_null() ? "" : entry["fault"].get<std::string>(),
                          entry["range"].is_null() ? "" : entry["range"].get<std::string>()});
    }
    return requests;
  }
  /// How many requests got the fault `action`.
  size_t FaultCount(const std::string& action) const {
    size_t count = 0;
    for (const ProxiedRequest& request : Requests()) count += request.fault == action;
    return count;
  }
  /// The log as text, for failure messages.
  std::string LogText() const { return ReadFileToString(dir_.path() + "/proxy.log", 16 << 20); }

 private:
  static std::vector<std::string> Arguments(const std::string& dir, const std::string& upstream,
                                            const std::vector<std::string>& rules) {
    std::vector<std::string> args = {"--upstream", upstream, "--log", dir + "/proxy.log",
                                     "--port-file", dir + "/port"};
    for (const std::string& rule : rules) {
      args.push_back("--fault");
      args.push_back(rule);
    }
    return args;
  }

  TempDir dir_{"imgbuild-proxy-"};
  PythonServer server_;
};

/// How many of `requests` (ProxiedRequest or LoggedRequest) have `method`
/// and contain `path_part`.
template <typename Request>
size_t Count(const std::vector<Request>& requests, const std::string& method,
             const std::string& path_part) {
  size_t count = 0;
  for (const Request& request : requests) {
    count += request.method == method && request.path.find(path_part) != std::string::npos;
  }
  return count;
}

}  // namespace imgbuild::registry::testing

#endif  // IMGBUILD_TESTS_REGISTRY_FAULT_PROXY_H_
