#include "registry/reference.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/error.h"

namespace imgbuild::registry {
namespace {

constexpr const char* kDigest =
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(ReferenceTest, NormalisesLikeDocker) {
  struct Case {
    std::string text, registry, repository, tag, full;
  };
  for (const Case& c : std::vector<Case>{
           {"busybox", "docker.io", "library/busybox", "latest",
            "docker.io/library/busybox:latest"},
           {"ns/app:1.0", "docker.io", "ns/app", "1.0", "docker.io/ns/app:1.0"},
           {"index.docker.io/busybox", "docker.io", "library/busybox", "latest",
            "docker.io/library/busybox:latest"},
           {"docker.io/library/busybox:1", "docker.io", "library/busybox", "1",
            "docker.io/library/busybox:1"},
           {"host:5000/a/b:t", "host:5000", "a/b", "t", "host:5000/a/b:t"},
           {"localhost/app", "localhost", "app", "latest", "localhost/app:latest"},
           {"10.0.0.1:5000/app", "10.0.0.1:5000", "app", "latest", "10.0.0.1:5000/app:latest"},
           {"[::1]:5000/app:v2", "[::1]:5000", "app", "v2", "[::1]:5000/app:v2"},
           {"quay.io/busybox", "quay.io", "busybox", "latest", "quay.io/busybox:latest"},
       }) {
    Reference reference = Reference::Parse(c.text);
    EXPECT_EQ(reference.registry, c.registry) << c.text;
    EXPECT_EQ(reference.repository, c.repository) << c.text;
    EXPECT_EQ(reference.tag, c.tag) << c.text;
    EXPECT_FALSE(reference.digest) << c.text;
    EXPECT_EQ(reference.ToString(), c.full) << c.text;
    EXPECT_EQ(reference.ManifestSelector(), c.tag) << c.text;
    EXPECT_EQ(Reference::Parse(reference.ToString()), reference) << c.text;
  }
}

TEST(ReferenceTest, DigestWinsOverTag) {
  Reference by_digest = Reference::Parse(std::string("busybox@") + kDigest);
  EXPECT_EQ(by_digest.repository, "library/busybox");
  EXPECT_EQ(by_digest.tag, "");
  ASSERT_TRUE(by_digest.digest);
  EXPECT_EQ(by_digest.ManifestSelector(), kDigest);
  EXPECT_EQ(by_digest.ToString(), std::string("docker.io/library/busybox@") + kDigest);

  Reference both = Reference::Parse(std::string("host:5000/app:1.0@") + kDigest);
  EXPECT_EQ(both.tag, "1.0");
  EXPECT_EQ(both.ManifestSelector(), kDigest);
  EXPECT_EQ(both.ToString(), std::string("host:5000/app:1.0@") + kDigest);
}

TEST(ReferenceTest, RejectsInvalidReferencesSayingWhy) {
  for (const char* text : {"Busybox", "app@sha256:123", "app@md5:abc", "host:x/app", "",
                                  "app:", "a//b"}) {
    EXPECT_THROW(Reference::Parse(text), Error) << text;
  }
  try {
    Reference::Parse("app@sha256:123");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("app@sha256:123"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("not a digest"), std::string::npos) << error.what();
  }
}

TEST(ReferenceTest, RegistryNamesAndEndpoints) {
  EXPECT_EQ(NormalizeRegistryName("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(NormalizeRegistryName("index.docker.io"), "docker.io");
  EXPECT_EQ(NormalizeRegistryName("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(NormalizeRegistryName("http://host:5000"), "host:5000");
  EXPECT_EQ(NormalizeRegistryName("host:5000/v2/"), "host:5000");
  EXPECT_EQ(RegistryEndpoint("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(RegistryEndpoint("host:5000"), "host:5000");
}

TEST(ReferenceTest, LoopbackHosts) {
  for (const char* host :
       {"localhost", "localhost:5000", "127.0.0.1", "127.1.2.3:80", "[::1]:5000"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"10.0.0.1:5000", "localhost.example.com", "docker.io", "[::2]:5000",
                           "128.0.0.1"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

}  // namespace
}  // namespace imgbuild::registry
