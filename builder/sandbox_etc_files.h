// Contents of the /etc files a sandbox bind-mounts over the image's own:
// /etc/hosts, /etc/hostname and /etc/resolv.conf, as BuildKit writes them.
#ifndef IMGBUILD_BUILDER_SANDBOX_ETC_FILES_H_
#define IMGBUILD_BUILDER_SANDBOX_ETC_FILES_H_

#include <string>
#include <string_view>

namespace imgbuild::builder {

/// /etc/hosts: loopback entries for IPv4 and IPv6, with `hostname` on the IPv4 line.
std::string SandboxHostsFile(std::string_view hostname);

/// /etc/hostname: `hostname` and a newline.
std::string SandboxHostnameFile(std::string_view hostname);

/// /etc/resolv.conf from the host's. With the host's network namespace the
/// host's file is right as it is, loopback resolvers included. Otherwise
/// loopback nameservers (127.0.0.0/8, ::1) would point into the sandbox's own
/// empty namespace, so they are dropped, and when no nameserver is left Docker's
/// defaults (8.8.8.8, 8.8.4.4) are added. Other lines (search, options) stay.
std::string SandboxResolvConf(std::string_view host_resolv_conf, bool shares_host_network);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_SANDBOX_ETC_FILES_H_
