#include "builder/sandbox_etc_files.h"

#include <fmt/format.h>

namespace imgbuild::builder {
namespace {

constexpr std::string_view kNameserver = "nameserver";

std::string_view TrimLeft(std::string_view text) {
  size_t start = text.find_first_not_of(" \t");
  return start == std::string_view::npos ? std::string_view() : text.substr(start);
}

// The address of a "nameserver <address>" line, or "" for other lines.
std::string_view NameserverAddress(std::string_view line) {
  line = TrimLeft(line);
  if (!line.starts_with(kNameserver)) return {};
  std::string_view rest = line.substr(kNameserver.size());
  if (rest.empty() || (rest.front() != ' ' && rest.front() != '\t')) return {};
  rest = TrimLeft(rest);
  return rest.substr(0, rest.find_first_of(" \t#;"));
}

bool IsLoopback(std::string_view address) {
  return address.starts_with("127.") || address == "::1" || address == "0:0:0:0:0:0:0:1";
}

}  // namespace

std::string SandboxHostsFile(std::string_view hostname) {
  return fmt::format("127.0.0.1\tlocalhost {}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
                     hostname);
}

std::string SandboxHostnameFile(std::string_view hostname) {
  return fmt::format("{}\n", hostname);
}

std::string SandboxResolvConf(std::string_view host_resolv_conf, bool shares_host_network) {
  if (shares_host_network) return std::string(host_resolv_conf);
  std::string result;
  bool has_nameserver = false;
  while (!host_resolv_conf.empty()) {
    size_t end = host_resolv_conf.find('\n');
    std::string_view line = host_resolv_conf.substr(0, end);
    host_resolv_conf.remove_prefix(end == std::string_view::npos ? host_resolv_conf.size() : end + 1);
    std::string_view address = NameserverAddress(line);
    if (IsLoopback(address)) continue;
    has_nameserver = has_nameserver || !address.empty();
    result.append(line).append("\n");
  }
  if (!has_nameserver) result += "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
  return result;
}

}  // namespace imgbuild::builder
