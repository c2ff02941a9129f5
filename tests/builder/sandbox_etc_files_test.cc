#include "builder/sandbox_etc_files.h"

#include <gtest/gtest.h>

namespace imgbuild::builder {
namespace {

TEST(SandboxEtcFilesTest, HostsAndHostnameNameTheSandbox) {
  EXPECT_EQ(SandboxHostsFile("box"),
            "127.0.0.1\tlocalhost box\n::1\tlocalhost ip6-localhost ip6-loopback\n");
  EXPECT_EQ(SandboxHostnameFile("box"), "box\n");
}

TEST(SandboxEtcFilesTest, HostNetworkKeepsTheHostsResolvConf) {
  std::string host = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch example.com\n";
  EXPECT_EQ(SandboxResolvConf(host, true), host);
}

TEST(SandboxEtcFilesTest, OwnNetworkDropsLoopbackResolvers) {
  EXPECT_EQ(SandboxResolvConf("# generated\nnameserver 127.0.0.53\nnameserver\t10.0.0.2 # lan\n"
                              "nameserver ::1\nsearch example.com\n",
                              false),
            "# generated\nnameserver\t10.0.0.2 # lan\nsearch example.com\n");
}

TEST(SandboxEtcFilesTest, FallsBackToDockersDefaultResolvers) {
  EXPECT_EQ(SandboxResolvConf("nameserver 127.0.0.53\noptions edns0", false),
            "options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  EXPECT_EQ(SandboxResolvConf("", false), "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  // "nameservers" is not a nameserver line.
  EXPECT_EQ(SandboxResolvConf("nameservers 1.1.1.1\n", false),
            "nameservers 1.1.1.1\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
}

}  // namespace
}  // namespace imgbuild::builder
