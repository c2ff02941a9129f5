// Downloads through tests/registry/blob_fault_server.py, which serves a
// store's blobs with one scripted fault per blob.
#include "registry/blob_download.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/store.h"
#include "registry/registry_client.h"
#include "tests/registry/registry_fixture.h"
#include "tests/registry/registry_testing.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::registry {
namespace {

using testing::ErrorOf;
using testing::PythonServer;

class BlobDownloadTest : public ::testing::Test {
 protected:
  BlobDownloadTest()
      : server_("blob_fault_server.py",
                {source_.root(), work_.path() + "/port", work_.path() + "/requests.jsonl"},
                work_.path() + "/port", work_.path() + "/server.log"),
        host_("127.0.0.1:" + std::to_string(server_.port())) {}

  static layers::Descriptor PutTestBlob(const layers::Store& store) {
    std::string bytes = testing::SeededBytes("blob", 200000);
    store.PutBlob(bytes);
    return layers::DescribeBytes(layers::media_types::kOciLayerGzip, bytes);
  }

  void Download(const std::string& mode, const layers::Descriptor& blob) {
    RegistryClient client(host_, options_, Credentials{"user", "secret"});
    client.Connect();
    DownloadBlob(client, store_, mode, blob);
  }

  // The requests the server saw for blobs in `mode` (or "storage").
  std::vector<nlohmann::json> Requests(const std::string& mode) const {
    std::vector<nlohmann::json> found;
    std::ifstream log(work_.path() + "/requests.jsonl");
    for (std::string line; std::getline(log, line);) {
      nlohmann::json request = nlohmann::json::parse(line);
      if (request["mode"] == mode) found.push_back(request);
    }
    return found;
  }

  void ExpectStored() const {
    ASSERT_TRUE(store_.HasBlob(blob_.digest));
    EXPECT_EQ(layers::DigestOfFile(store_.BlobPath(blob_.digest)), blob_.digest);
    EXPECT_TRUE(store_.ListTempFiles().empty());
  }

  TempDir work_{"imgbuild-download-test-"};
  layers::Store source_{work_.path() + "/source"};
  layers::Store store_{work_.path() + "/store"};
  layers::Descriptor blob_ = PutTestBlob(source_);
  PythonServer server_;
  std::string host_;
  std::vector<std::string> log_;
  RegistryOptions options_ = testing::TestOptions(work_.path() + "/docker", &log_);
};

TEST_F(BlobDownloadTest, ATruncatedBodyIsResumedWithRange) {
  Download("truncate", blob_);
  ExpectStored();
  std::vector<nlohmann::json> requests = Requests("truncate");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["range"], "");
  EXPECT_EQ(requests[1]["range"], fmt::format("bytes={}-", blob_.size / 2));
  EXPECT_TRUE(requests[1]["authorization"]);
}

TEST_F(BlobDownloadTest, ARegistryIgnoringRangeSendsItAllAgain) {
  Download("norange", blob_);
  ExpectStored();
  EXPECT_EQ(Requests("norange").size(), 2u);
}

TEST_F(BlobDownloadTest, ResetsAnd5xxAnd429AreRetried) {
  for (const char* mode : {"reset", "status503", "status429"}) {
    store_.HasBlob(blob_.digest) && std::filesystem::remove(store_.BlobPath(blob_.digest));
    log_.clear();
    Download(mode, blob_);
    ExpectStored();
    EXPECT_EQ(Requests(mode).size(), 2u) << mode;
    std::erase_if(log_, [](const std::string& line) { return !line.starts_with("retrying"); });
    ASSERT_EQ(log_.size(), 1u) << mode;
    EXPECT_NE(log_[0].find("retrying downloading blob " + blob_.digest.ToString()),
              std::string::npos)
        << log_[0];
  }
  // Retry-After: 1 is honoured up to retry_max_delay (200 ms in tests).
  EXPECT_NE(log_[0].find("in 200 ms"), std::string::npos) << log_[0];
  EXPECT_NE(log_[0].find("HTTP 429"), std::string::npos) << log_[0];
}

TEST_F(BlobDownloadTest, GivesUpAfterMaxAttempts) {
  options_.max_attempts = 1;
  std::string error = ErrorOf([&] { Download("status503", blob_); });
  EXPECT_NE(error.find("gave up after 1 attempts"), std::string::npos) << error;
  EXPECT_NE(error.find(blob_.digest.ToString()), std::string::npos) << error;
  EXPECT_FALSE(store_.HasBlob(blob_.digest));
  EXPECT_TRUE(store_.ListTempFiles().empty());
}

TEST_F(BlobDownloadTest, RedirectsToAnotherHostGetNoCredentials) {
  Download("redirect", blob_);
  ExpectStored();
  ASSERT_EQ(Requests("redirect").size(), 1u);
  EXPECT_TRUE(Requests("redirect")[0]["authorization"]);
  ASSERT_EQ(Requests("storage").size(), 1u);
  EXPECT_FALSE(Requests("storage")[0]["authorization"]);
}

TEST_F(BlobDownloadTest, WrongContentIsRefusedAndNothingKept) {
  // A blob file whose bytes are not what its name says, served as is.
  std::string other = testing::SeededBytes("other", static_cast<size_t>(blob_.size));
  std::ofstream(source_.BlobPath(blob_.digest), std::ios::binary | std::ios::trunc) << other;
  std::string error = ErrorOf([&] { Download("plain", blob_); });
  EXPECT_NE(error.find(blob_.digest.ToString()), std::string::npos) << error;
  EXPECT_NE(error.find(layers::DigestOf(other).ToString()), std::string::npos) << error;
  EXPECT_FALSE(store_.HasBlob(blob_.digest));
  EXPECT_TRUE(store_.ListTempFiles().empty());

  layers::Descriptor shorter = blob_;
  shorter.size = blob_.size - 1;
  error = ErrorOf([&] { Download("plain", shorter); });
  EXPECT_NE(error.find("more than"), std::string::npos) << error;
  EXPECT_FALSE(store_.HasBlob(blob_.digest));
  EXPECT_TRUE(store_.ListTempFiles().empty());
}

}  // namespace
}  // namespace imgbuild::registry
