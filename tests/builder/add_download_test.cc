// ADD's URL helpers: names, git detection, and downloads from a local
// HTTP server (redirects, status errors, checksums, cancellation).
#include "builder/add_download.h"

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/builder/http_test_server.h"
#include "tests/layers/layer_test_util.h"
#include "util/temp_dir.h"

namespace imgbuild::builder::testing {
namespace {

using ::testing::HasSubstr;

TEST(UrlFileNameTest, IsTheLastPathElement) {
  EXPECT_EQ(UrlFileName("https://example.com/dl/tool-1.2.tar.gz"), "tool-1.2.tar.gz");
  EXPECT_EQ(UrlFileName("https://example.com/dl/tool?version=2#x"), "tool");
  EXPECT_EQ(UrlFileName("https://example.com/a%20b.txt"), "a b.txt");
  EXPECT_EQ(UrlFileName("https://example.com/dir/"), "dir");
  EXPECT_EQ(UrlFileName("https://example.com/"), "__unnamed__");
  EXPECT_EQ(UrlFileName("https://example.com"), "__unnamed__");
  EXPECT_EQ(UrlFileName("https://example.com/.."), "__unnamed__");
}

TEST(UrlKindTest, GitUrlsAreNotDownloads) {
  EXPECT_TRUE(IsGitUrl("git@github.com:moby/buildkit.git"));
  EXPECT_TRUE(IsGitUrl("git://example.com/repo"));
  EXPECT_TRUE(IsGitUrl("https://github.com/moby/buildkit.git"));
  EXPECT_TRUE(IsGitUrl("https://github.com/moby/buildkit.git#v0.12"));
  EXPECT_FALSE(IsGitUrl("https://example.com/file.tar.gz"));
  EXPECT_TRUE(IsHttpUrl("http://example.com/x"));
  EXPECT_FALSE(IsHttpUrl("https://github.com/moby/buildkit.git"));
  EXPECT_FALSE(IsHttpUrl("ftp://example.com/x"));
  EXPECT_FALSE(IsHttpUrl("dir/http://x"));
}

class DownloadTest : public ::testing::Test {
 protected:
  TempDir dir_{"imgbuild-download-"};
  TestHttpServer server_;
};

TEST_F(DownloadTest, StoresTheFileLikeBuildKit) {
  server_.Serve("/files/tool.sh", {200, "#!/bin/sh\n",
                                   "Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n", false});
  Download download = DownloadUrl(server_.Url("/files/tool.sh"), dir_.path(), "", nullptr);
  EXPECT_EQ(download.name, "tool.sh");
  EXPECT_EQ(download.path, dir_.path() + "/tool.sh");
  EXPECT_EQ(download.digest, layers::DigestOf("#!/bin/sh\n"));
  EXPECT_EQ(layers::testing::ReadFile(download.path), "#!/bin/sh\n");
  struct stat st {};
  ASSERT_EQ(stat(download.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_mtime, 1445412480);
}

TEST_F(DownloadTest, WithoutLastModifiedTheMtimeIsTheEpoch) {
  server_.Serve("/x", {200, "x", "", false});
  Download download = DownloadUrl(server_.Url("/x"), dir_.path(), "", nullptr);
  struct stat st {};
  ASSERT_EQ(stat(download.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 0);
}

TEST_F(DownloadTest, FollowsRedirects) {
  server_.Serve("/old", {302, "", "Location: /new\r\n", false});
  server_.Serve("/new", {200, "moved", "", false});
  Download download = DownloadUrl(server_.Url("/old"), dir_.path(), "", nullptr);
  EXPECT_EQ(download.name, "old");  // named after the URL that was asked for
  EXPECT_EQ(layers::testing::ReadFile(download.path), "moved");
}

TEST_F(DownloadTest, ErrorStatusNamesUrlAndRemovesTheFile) {
  std::string url = server_.Url("/missing.txt");
  try {
    DownloadUrl(url, dir_.path(), "", nullptr);
    FAIL() << "a 404 was accepted";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr(url));
    EXPECT_THAT(error.what(), HasSubstr("404"));
  }
  EXPECT_FALSE(layers::testing::Run("test -e " + dir_.path() + "/missing.txt") == 0);
}

TEST_F(DownloadTest, ChecksumsAreVerified) {
  server_.Serve("/data", {200, "payload", "", false});
  const std::string sha256 = layers::DigestOf("payload").ToString();
  const std::string sha384 = "sha384:" + std::string(96, '0');
  std::string actual384;
  layers::testing::Run("printf payload | sha384sum | cut -d' ' -f1 | tr -d '\\n'", &actual384);
  std::string actual512;
  layers::testing::Run("printf payload | sha512sum | cut -d' ' -f1 | tr -d '\\n'", &actual512);
  ASSERT_EQ(actual384.size(), 96u);
  ASSERT_EQ(actual512.size(), 128u);
  TempDir a("imgbuild-dl-"), b("imgbuild-dl-"), c("imgbuild-dl-"), d("imgbuild-dl-");
  EXPECT_NO_THROW(DownloadUrl(server_.Url("/data"), a.path(), sha256, nullptr));
  EXPECT_NO_THROW(DownloadUrl(server_.Url("/data"), b.path(), "sha384:" + actual384, nullptr));
  EXPECT_NO_THROW(DownloadUrl(server_.Url("/data"), c.path(), "sha512:" + actual512, nullptr));
  try {
    DownloadUrl(server_.Url("/data"), d.path(), sha384, nullptr);
    FAIL() << "a wrong checksum was accepted";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr(server_.Url("/data")));
    EXPECT_THAT(error.what(), HasSubstr("expected " + sha384));
    EXPECT_THAT(error.what(), HasSubstr("got sha384:" + actual384));
  }
}

TEST_F(DownloadTest, CancellationStopsAStalledTransfer) {
  server_.Serve("/slow", {200, "never sent", "", true});
  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel.Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(
      {
        try {
          DownloadUrl(server_.Url("/slow"), dir_.path(), "", &cancel);
        } catch (const Error& error) {
          EXPECT_THAT(error.what(), HasSubstr("cancelled"));
          throw;
        }
      },
      Error);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(DownloadTest, UnreachableServerIsAnError) {
  EXPECT_THROW(DownloadUrl("http://127.0.0.1:1/x", dir_.path(), "", nullptr), Error);
}

}  // namespace
}  // namespace imgbuild::builder::testing
