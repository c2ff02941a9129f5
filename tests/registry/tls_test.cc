// HTTPS registries: certificates are verified (system CAs plus --tls-ca);
// only --insecure-registry skips verification.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "layers/store.h"
#include "registry/registry.h"
#include "tests/registry/registry_fixture.h"
#include "tests/registry/registry_testing.h"
#include "util/temp_dir.h"

namespace imgbuild::registry {
namespace {

using testing::BuildTinyImage;
using testing::ErrorOf;
using testing::TestRegistry;

TEST(TlsTest, CertificatesAreVerifiedUnlessTheRegistryIsInsecure) {
  TestRegistry registry({.tls = true});
  TempDir work("imgbuild-tls-test-");
  layers::Store store(work.path() + "/store");
  testing::TinyImage image = BuildTinyImage(store, work.path(), "tls");
  std::vector<std::string> log;
  RegistryOptions options = testing::TestOptions(work.path() + "/docker", &log);
  std::string ref = registry.host() + "/test/tls:v1";

  std::string error = ErrorOf([&] { Push(store, image.manifest, ref, options); });
  EXPECT_NE(error.find("https://" + registry.host()), std::string::npos) << error;
  EXPECT_NE(error.find("--tls-ca"), std::string::npos) << error;

  options.tls_ca_file = registry.ca_file();
  EXPECT_EQ(Push(store, image.manifest, ref, options).digest, image.manifest.digest);

  options.tls_ca_file = "";
  options.insecure_registries = {registry.host()};
  layers::Store other(work.path() + "/other");
  EXPECT_EQ(Pull(other, ref, "", options).manifest.digest, image.manifest.digest);
  for (const std::string& line : log) {
    EXPECT_EQ(line.find("trying http"), std::string::npos) << line;  // It stayed on HTTPS.
  }

  options.insecure_registries = {};
  options.tls_ca_file = work.path() + "/missing.pem";
  error = ErrorOf([&] { Pull(other, ref, "", options); });
  EXPECT_NE(error.find("missing.pem"), std::string::npos) << error;
}

}  // namespace
}  // namespace imgbuild::registry
