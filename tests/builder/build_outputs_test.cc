#include "builder/build_outputs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace imgbuild::builder {
namespace {

using ::testing::HasSubstr;
using Type = OutputSpec::Type;

std::string ErrorOf(std::string_view spec) {
  try {
    ParseOutputSpec(spec);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(BuildOutputsTest, ParsesBuildxOutputSpecs) {
  OutputSpec archive = ParseOutputSpec("type=oci,dest=out.tar");
  EXPECT_EQ(archive.type, Type::kOciArchive);
  EXPECT_EQ(archive.dest, "out.tar");
  EXPECT_EQ(ParseOutputSpec("type=oci,dest=dir,tar=false").type, Type::kOciLayout);
  EXPECT_EQ(ParseOutputSpec("type=docker,dest=img.tar").type, Type::kDockerArchive);
  EXPECT_EQ(ParseOutputSpec("type=local,dest=root").type, Type::kLocal);
  OutputSpec bare = ParseOutputSpec("some/dir");
  EXPECT_EQ(bare.type, Type::kLocal);
  EXPECT_EQ(bare.dest, "some/dir");
}

TEST(BuildOutputsTest, RejectsWhatItCannotWrite) {
  EXPECT_THAT(ErrorOf("type=registry,dest=x"), HasSubstr("unsupported output type \"registry\""));
  EXPECT_THAT(ErrorOf("type=oci"), HasSubstr("dest= is missing"));
  EXPECT_THAT(ErrorOf("dest=x"), HasSubstr("type= is missing"));
  EXPECT_THAT(ErrorOf("type=oci,dest=x,tar=maybe"), HasSubstr("tar= takes true or false"));
  EXPECT_THAT(ErrorOf("type=oci,dest=x,compression=zstd"),
              HasSubstr("unknown key \"compression\""));
  EXPECT_THAT(ErrorOf("type=local,dest=x,tar=false"), HasSubstr("only for type=oci"));
}

TEST(BuildOutputsTest, MetadataFileHasBuildxKeys) {
  BuildResult result{
      .manifest = layers::DescribeBytes(layers::media_types::kOciManifest, "manifest"),
      .config = layers::DescribeBytes(layers::media_types::kOciConfig, "config"),
      .image = {}};
  nlohmann::json metadata =
      nlohmann::json::parse(BuildMetadataJson(result, {"app", "reg:5000/x:1"}));
  EXPECT_EQ(metadata["containerimage.digest"], result.manifest.digest.ToString());
  EXPECT_EQ(metadata["containerimage.config.digest"], result.config.digest.ToString());
  EXPECT_EQ(metadata["containerimage.descriptor"]["mediaType"], layers::media_types::kOciManifest);
  EXPECT_EQ(metadata["containerimage.descriptor"]["size"], 8);
  EXPECT_EQ(metadata["image.name"], "docker.io/library/app:latest,reg:5000/x:1");
  EXPECT_FALSE(nlohmann::json::parse(BuildMetadataJson(result, {})).contains("image.name"));
}

}  // namespace
}  // namespace imgbuild::builder
