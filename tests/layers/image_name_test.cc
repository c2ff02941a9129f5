#include "layers/image_name.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/error.h"

namespace imgbuild::layers {
namespace {

TEST(ImageNameTest, AddsLatestAndKeepsWhatTheUserWrote) {
  struct Case {
    std::string text, normalized, qualified;
  };
  for (const Case& c : std::vector<Case>{
           {"app", "app:latest", "docker.io/library/app:latest"},
           {"app:1.0", "app:1.0", "docker.io/library/app:1.0"},
           {"ns/app", "ns/app:latest", "docker.io/ns/app:latest"},
           {"host:5000/ns/app:tag", "host:5000/ns/app:tag", "host:5000/ns/app:tag"},
           {"host:5000/app", "host:5000/app:latest", "host:5000/app:latest"},
           {"[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest"},
           {"localhost/app:v_1-2.3", "localhost/app:v_1-2.3", "localhost/app:v_1-2.3"},
           {"docker.io/library/app", "docker.io/library/app:latest",
            "docker.io/library/app:latest"},
           {"a__b/c-d--e/f.g:T", "a__b/c-d--e/f.g:T", "docker.io/a__b/c-d--e/f.g:T"},
       }) {
    ImageName name = ImageName::Parse(c.text);
    EXPECT_EQ(name.ToString(), c.normalized) << c.text;
    EXPECT_EQ(name.FullyQualified(), c.qualified) << c.text;
    EXPECT_EQ(ImageName::Parse(name.ToString()), name) << c.text;
  }
  ImageName parsed = ImageName::Parse("host:5000/ns/app:tag");
  EXPECT_EQ(parsed.domain, "host:5000");
  EXPECT_EQ(parsed.path, "ns/app");
  EXPECT_EQ(parsed.tag, "tag");
}

TEST(ImageNameTest, FamiliarFormDropsOnlyDockerHubPrefixes) {
  for (auto [text, familiar] : std::vector<std::pair<std::string, std::string>>{
           {"docker.io/library/app:1.0", "app:1.0"},
           {"index.docker.io/library/app", "app:latest"},
           {"docker.io/ns/app:2", "ns/app:2"},
           {"docker.io/library/a/b:3", "library/a/b:3"},
           {"app", "app:latest"},
           {"localhost/app:1", "localhost/app:1"},
           {"host:5000/library/app:1", "host:5000/library/app:1"},
       }) {
    ImageName name = ImageName::Parse(text);
    EXPECT_EQ(name.Familiar(), familiar) << text;
    if (name.domain == "index.docker.io") continue;  // an alias FullyQualified keeps
    EXPECT_EQ(ImageName::Parse(name.Familiar()).FullyQualified(), name.FullyQualified()) << text;
  }
}

TEST(ImageNameTest, RejectsInvalidNamesSayingWhy) {
  struct Case {
    std::string text, reason;
  };
  for (const Case& c : std::vector<Case>{
           {"", "empty name"},
           {":tag", "empty name"},
           {"app:", "empty tag"},
           {"App", "repository name must be lowercase"},
           {"ns/App:1", "repository name must be lowercase"},
           {"app@sha256:" + std::string(64, 'a'), "digest reference"},
           {"app:-x", "a tag must start with"},
           {"app:a/b", "registry port \"a\" is not a number"},
           {"[::1]:5000/app:x/y", "':' is not allowed in a repository name"},
           {"host:/app", "registry port \"\" is not a number"},
           {"app:" + std::string(129, 'x'), "tag longer than 128"},
           {"-app", "misplaced separator"},
           {"app-", "misplaced separator"},
           {"a..b", "misplaced separator"},
           {"a___b", "misplaced separator"},
           {"a-.b", "misplaced separator"},
           {"ns//app", "empty path component"},
           {"my_host.com/app", "'_' is not allowed in a registry host"},
           {"app name", "' ' is not allowed"},
           {std::string(256, 'a'), "longer than 255"},
       }) {
    try {
      ImageName::Parse(c.text);
      ADD_FAILURE() << "accepted \"" << c.text << "\"";
    } catch (const Error& e) {
      std::string message = e.what();
      EXPECT_NE(message.find("invalid image name \"" + c.text + "\""), std::string::npos)
          << message;
      EXPECT_NE(message.find(c.reason), std::string::npos) << c.text << ": " << message;
    }
  }
}

}  // namespace
}  // namespace imgbuild::layers
