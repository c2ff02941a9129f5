// The registry test harness itself, checked with skopeo as the client: the
// registry serves and stops without leaving a process behind, htpasswd mode
// refuses wrong credentials, and the proxy forwards, logs and injects each
// kind of fault so that a real client sees it.
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/registry/cli_fixture.h"
#include "tests/registry/fault_proxy.h"
#include "tests/registry/test_images.h"

namespace imgbuild::registry::testing {
namespace {

using ::testing::HasSubstr;

class RegistryHarnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RequireTools({"docker-registry", "skopeo", "gzip"});
    std::filesystem::create_directories(dir_.path() + "/work");
    image_.emplace(BuildBusyboxImage(store_, dir_.path() + "/work"));
    source_ = ExportLayout(store_, image_->manifest, dir_.path() + "/layout");
  }

  // skopeo copy from the layout to docker://ADDRESS/REPOSITORY.
  CommandResult SkopeoPush(const std::string& address, const std::string& repository,
                           const std::string& flags = "") {
    return layers::store_testing::RunCommand("skopeo copy --quiet --dest-tls-verify=false " +
                                             flags + " " + source_ + " docker://" + address +
                                             "/" + repository);
  }

  // skopeo copy from docker://ADDRESS/REPOSITORY to a new OCI layout.
  CommandResult SkopeoPull(const std::string& address, const std::string& repository,
                           const std::string& flags = "") {
    std::string destination = dir_.path() + "/pulled-" + std::to_string(++pulls_);
    return layers::store_testing::RunCommand("skopeo copy --quiet --src-tls-verify=false " +
                                             flags + " docker://" + address + "/" + repository +
                                             " oci:" + destination + ":x");
  }

  std::string RemoteDigest(const std::string& address, const std::string& repository) {
    CommandResult inspect = layers::store_testing::RunCommand(
        "skopeo inspect --tls-verify=false docker://" + address + "/" + repository);
    EXPECT_EQ(inspect.exit_code, 0) << inspect.output;
    return nlohmann::json::parse(inspect.output, nullptr, false).value("Digest", "");
  }

  TempDir dir_;
  layers::Store store_{dir_.path() + "/store"};
  std::optional<layers::image_testing::BuiltImage> image_;
  std::string source_;
  int pulls_ = 0;
};

TEST_F(RegistryHarnessTest, RegistryServesOnLoopbackAndStopsWithItsObject) {
  std::string host;
  {
    TestRegistry registry;
    host = registry.host();
    EXPECT_THAT(host, ::testing::StartsWith("127.0.0.1:"));
    CommandResult push = SkopeoPush(host, "harness/busybox:1");
    ASSERT_EQ(push.exit_code, 0) << push.output;
    EXPECT_EQ(RemoteDigest(host, "harness/busybox:1"), image_->manifest.digest.ToString());
    bool logged_manifest_put = false;
    for (const LoggedRequest& request : registry.Requests()) {
      logged_manifest_put |= request.method == "PUT" &&
                             request.path == "/v2/harness/busybox/manifests/1" &&
                             request.status == 201;
    }
    EXPECT_TRUE(logged_manifest_put) << registry.Log();
  }
  CommandResult after = layers::store_testing::RunCommand("skopeo inspect --tls-verify=false "
                                                          "docker://" + host + "/harness/busybox:1");
  EXPECT_NE(after.exit_code, 0) << "the registry on " << host << " outlived its object";
}

TEST_F(RegistryHarnessTest, HtpasswdModeRefusesMissingAndWrongCredentials) {
  TestRegistry registry({.auth = RegistryAuth::kHtpasswd, .users = {{"alice", "open sesame"}}});
  CommandResult anonymous = SkopeoPush(registry.host(), "private/app:1");
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_THAT(anonymous.output, HasSubstr("authentication required")) << anonymous.output;
  CommandResult wrong =
      SkopeoPush(registry.host(), "private/app:1", "--dest-creds 'alice:open sesamE'");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_THAT(wrong.output, HasSubstr("authentication required")) << wrong.output;
  CommandResult right =
      SkopeoPush(registry.host(), "private/app:1", "--dest-creds 'alice:open sesame'");
  EXPECT_EQ(right.exit_code, 0) << right.output;
  CommandResult pull = SkopeoPull(registry.host(), "private/app:1",
                                  "--src-creds 'alice:open sesame'");
  EXPECT_EQ(pull.exit_code, 0) << pull.output;
}

TEST_F(RegistryHarnessTest, ProxyForwardsAndLogsEveryRequest) {
  TestRegistry registry;
  FaultProxy proxy(registry.host(), {});
  CommandResult push = SkopeoPush(proxy.address(), "through/proxy:1");
  ASSERT_EQ(push.exit_code, 0) << push.output;
  CommandResult pull = SkopeoPull(proxy.address(), "through/proxy:1");
  ASSERT_EQ(pull.exit_code, 0) << pull.output;

  // The fixture's readiness probe is a bare TCP connect: the registry
  // served exactly what went through the proxy.
  std::vector<ProxiedRequest> proxied = proxy.Requests();
  std::vector<LoggedRequest> served = registry.Requests();
  ASSERT_EQ(proxied.size(), served.size()) << proxy.LogText() << registry.Log();
  ASSERT_GT(proxied.size(), 8u);
  for (size_t i = 0; i < proxied.size(); ++i) {
    EXPECT_EQ(proxied[i].method, served[i].method) << i;
    EXPECT_EQ(proxied[i].path, served[i].path) << i;
    EXPECT_EQ(proxied[i].status, served[i].status) << i;
    EXPECT_EQ(proxied[i].fault, "") << i;
  }
  EXPECT_EQ(RemoteDigest(registry.host(), "through/proxy:1"),
            image_->manifest.digest.ToString());
}

struct FaultCase {
  std::string rule;
  std::string fault;            // as logged
  bool skopeo_survives;         // skopeo retries this fault
  std::string skopeo_message;   // what skopeo says when it does not
};

TEST_F(RegistryHarnessTest, ProxyInjectsEachFaultIntoBlobDownloads) {
  TestRegistry registry;
  ASSERT_EQ(SkopeoPush(registry.host(), "faults/busybox:1").exit_code, 0);
  std::string layer = image_->layers[0].digest.ToString();
  const std::vector<FaultCase> cases = {
      {"GET /blobs/" + layer + " 1 500", "500", false, "500 (Internal Server Error)"},
      {"GET /blobs/" + layer + " 1 429:1", "429:1", true, ""},
      {"GET /blobs/" + layer + " 1 reset", "reset", true, ""},
      {"GET /blobs/" + layer + " 1 truncate", "truncate", false, "unexpected EOF"},
      {"GET /blobs/" + layer + " * corrupt", "corrupt", false, "Digest did not match"},
  };
  for (const FaultCase& fault : cases) {
    SCOPED_TRACE(fault.rule);
    FaultProxy proxy(registry.host(), {fault.rule});
    CommandResult pull = SkopeoPull(proxy.address(), "faults/busybox:1", "--retry-times 1");
    EXPECT_EQ(pull.exit_code == 0, fault.skopeo_survives) << pull.output;
    if (!fault.skopeo_survives) {
      EXPECT_THAT(pull.output, HasSubstr(fault.skopeo_message));
    }
    EXPECT_GE(proxy.FaultCount(fault.fault), 1u) << proxy.LogText();
    for (const ProxiedRequest& request : proxy.Requests()) {
      if (!request.fault.empty()) {
        EXPECT_THAT(request.path, HasSubstr(layer));
      }
    }
  }
}

TEST_F(RegistryHarnessTest, ProxyResetsAnUploadMidBodyBeforeTheRegistrySeesIt) {
  TestRegistry registry;
  FaultProxy proxy(registry.host(), {"PATCH /blobs/uploads/ 1 reset"});
  // Whether skopeo's retry recovers depends on when it notices the reset.
  SkopeoPush(proxy.address(), "uploads/busybox:1", "--retry-times 2");
  ASSERT_EQ(proxy.FaultCount("reset"), 1u) << proxy.LogText();
  for (const ProxiedRequest& request : proxy.Requests()) {
    if (request.fault == "reset") {
      EXPECT_EQ(request.status, 0) << "the reset PATCH got an answer";
    }
  }
  EXPECT_EQ(Count(registry.Requests(), "PATCH", "/blobs/uploads/") + 1,
            Count(proxy.Requests(), "PATCH", "/blobs/uploads/"))
      << "the reset PATCH reached the registry";
}

TEST_F(RegistryHarnessTest, ProxyResetsAfterTheRegistryAnsweredAndAnswersInItsPlace) {
  TestRegistry registry;
  // The layer's upload completes upstream but the answer is lost; the first
  // manifest PUT is answered 503 by the proxy without reaching the registry.
  FaultProxy proxy(registry.host(),
                   {"PUT /blobs/uploads/ 1 reset", "PUT /manifests/ 1 503"});
  CommandResult push = SkopeoPush(proxy.address(), "uploads/busybox:1", "--retry-times 2");
  EXPECT_NE(push.exit_code, 0) << "skopeo does not retry a manifest PUT answered 503";
  EXPECT_THAT(push.output, HasSubstr("503 Service Unavailable")) << push.output;
  for (const ProxiedRequest& request : proxy.Requests()) {
    if (request.fault == "reset") {
      EXPECT_EQ(request.status, 201) << "the registry stored the blob before the reset";
    }
  }
  EXPECT_EQ(proxy.FaultCount("reset"), 1u) << proxy.LogText();
  EXPECT_EQ(proxy.FaultCount("503"), 1u) << proxy.LogText();
  std::vector<LoggedRequest> served = registry.Requests();
  EXPECT_EQ(Count(served, "PUT", "/blobs/uploads/"), Count(proxy.Requests(), "PUT", "/blobs/uploads/"));
  EXPECT_EQ(Count(served, "PUT", "/manifests/"), 0u);
  std::string layer = image_->layers[0].digest.ToString();
  bool found_after_reset = false;
  for (const LoggedRequest& request : served) {
    found_after_reset |= request.method == "HEAD" && request.path.find(layer) != std::string::npos &&
                         request.status == 200;
  }
  EXPECT_TRUE(found_after_reset) << "skopeo's retry should find the blob the reset PUT stored";
}

TEST_F(RegistryHarnessTest, ProxyRefusesAnInvalidRule) {
  TestRegistry registry;
  try {
    FaultProxy proxy(registry.host(), {"GET /blobs/ first 500"});
    FAIL() << "a rule with WHICH = first was accepted";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("exited at start"));
    EXPECT_THAT(error.what(), HasSubstr("first"));
  }
}

}  // namespace
}  // namespace imgbuild::registry::testing
