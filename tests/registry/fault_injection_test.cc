// Pull and push through fault_proxy.py: transient faults (500, 503, 429
// with Retry-After, connection resets, truncated bodies) are retried until
// the transfer succeeds, and the proxy's log shows each fault happened; a
// blob served with the wrong bytes is refused and nothing of it is kept.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/registry/cli_fixture.h"
#include "tests/registry/fault_proxy.h"

namespace imgbuild::registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

using FaultInjectionTest = CliRegistryTest;

// Expects `proxy` to have injected each of `faults` at least once.
void ExpectInjected(const FaultProxy& proxy, const std::vector<std::string>& faults) {
  for (const std::string& fault : faults) {
    EXPECT_GE(proxy.FaultCount(fault), 1u) << fault << " was not injected:\n" << proxy.LogText();
  }
}

TEST_F(FaultInjectionTest, PullSucceedsThroughTransientFaults) {
  TestRegistry registry;
  SkopeoPush(busybox_->manifest, registry.host() + "/flaky/busybox:1");
  std::string layer = busybox_->layers[0].digest.ToString();
  std::string config = busybox_->config.digest.ToString();
  FaultProxy proxy(registry.host(), {
                                           "GET /manifests/ 1 503",
                                           "GET /blobs/" + layer + " 1 500",
                                           "GET /blobs/" + layer + " 2 429:1",
                                           "GET /blobs/" + layer + " 3 reset",
                                           "GET /blobs/" + layer + " 4 truncate",
                                           "GET /blobs/" + config + " 1 reset",
                                       });
  std::string root = NewStoreRoot("pulled");
  std::string reference = proxy.address() + "/flaky/busybox:1";
  CommandResult pull = MustImgbuild("pull " + reference, root);
  ExpectInjected(proxy, {"503", "500", "429:1", "reset", "truncate"});
  EXPECT_EQ(proxy.FaultCount("reset"), 2u);

  layers::Store pulled(root);
  EXPECT_EQ(pulled.Resolve(reference).digest, busybox_->manifest.digest);
  EXPECT_EQ(pulled.ReadBlob(busybox_->layers[0].digest, 16 << 20),
            store_.ReadBlob(busybox_->layers[0].digest, 16 << 20));
  ExpectStoreClean(root);
  EXPECT_THAT(pulled.ListTempFiles(), IsEmpty());
}

TEST_F(FaultInjectionTest, BrokenDownloadsResumeWithRange) {
  TestRegistry registry;
  SkopeoPush(busybox_->manifest, registry.host() + "/resume/busybox:1");
  std::string layer = busybox_->layers[0].digest.ToString();
  FaultProxy proxy(registry.host(), {"GET /blobs/" + layer + " 1 truncate",
                                        "GET /blobs/" + layer + " 2 reset"});
  MustImgbuild("pull " + proxy.address() + "/resume/busybox:1", NewStoreRoot("pulled"));
  ExpectInjected(proxy, {"truncate", "reset"});
  // The registry allows ranges, so retries ask only for what is missing.
  size_t resumed = 0;
  for (const ProxiedRequest& request : proxy.Requests()) {
    if (request.path.find(layer) != std::string::npos && request.method == "GET" &&
        request.range.rfind("bytes=", 0) == 0 && request.range != "bytes=0-") {
      ++resumed;
    }
  }
  EXPECT_GE(resumed, 1u) << proxy.LogText();
}

TEST_F(FaultInjectionTest, PushSucceedsThroughTransientFaults) {
  TestRegistry registry;
  FaultProxy proxy(registry.host(), {
                                           "HEAD /blobs/ 1 reset",
                                           "POST /blobs/uploads/ 1 429:1",
                                           "POST /blobs/uploads/ 2 502",
                                           "PUT /blobs/uploads/ 1 reset",
                                           "PUT /blobs/uploads/ 2 500",
                                           "PUT /manifests/ 1 503",
                                       });
  std::string reference = proxy.address() + "/flaky/busybox:1";
  CommandResult push = MustImgbuild("push busybox:1 " + reference);
  ExpectInjected(proxy, {"reset", "429:1", "502", "500", "503"});
  EXPECT_THAT(push.output, HasSubstr(busybox_->manifest.digest.ToString()));
  // What the registry holds is complete and intact: skopeo verifies every blob.
  std::string direct = registry.host() + "/flaky/busybox:1";
  EXPECT_EQ(RemoteDigest(direct), busybox_->manifest.digest.ToString());
  MustRun("skopeo copy --quiet --src-tls-verify=false docker://" + direct + " oci:" +
          dir_.path() + "/check:x");
}

TEST_F(FaultInjectionTest, WrongDigestIsRefusedAndNothingIsStored) {
  TestRegistry registry;
  SkopeoPush(busybox_->manifest, registry.host() + "/bad/busybox:1");
  std::string layer = busybox_->layers[0].digest.ToString();
  FaultProxy proxy(registry.host(), {"GET /blobs/" + layer + " * corrupt"});
  std::string root = NewStoreRoot("pulled");
  CommandResult pull = Imgbuild("pull " + proxy.address() + "/bad/busybox:1", root);
  EXPECT_EQ(pull.exit_code, 1) << pull.output;
  EXPECT_THAT(pull.output, HasSubstr(layer));
  EXPECT_GE(proxy.FaultCount("corrupt"), 1u) << proxy.LogText();

  layers::Store pulled(root);
  EXPECT_FALSE(pulled.HasBlob(busybox_->layers[0].digest)) << "the corrupt blob was kept";
  EXPECT_THAT(pulled.List(), IsEmpty()) << "an image was named after a failed pull";
  EXPECT_THAT(pulled.ListTempFiles(), IsEmpty());
  // The manifest and config fetched before the layer may stay for a retry.
  ExpectStoreConsistent(root, {busybox_->manifest.digest.ToString(),
                               busybox_->config.digest.ToString()});
  CommandResult fsck = MustImgbuild("fsck", root);
  EXPECT_THAT(fsck.output, Not(HasSubstr(layer)));
}

}  // namespace
}  // namespace imgbuild::registry::testing
