#include "builder/build_outputs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "builder/image_output.h"
#include "util/error.h"

namespace imgbuild::builder {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::ThrowsMessage;
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

TEST(BuildOutputsTest, ParsesImageOutputsWithQuotedNameListsAsBuildx) {
  OutputSpec named = ParseOutputSpec(R"(type=image,"name=reg:5000/a:1,reg:5000/b:2",push=true)");
  EXPECT_EQ(named.type, Type::kImage);
  EXPECT_THAT(named.names, ElementsAre("reg:5000/a:1", "reg:5000/b:2"));
  EXPECT_TRUE(named.push);
  EXPECT_EQ(named.dest, "");
  OutputSpec local = ParseOutputSpec("type=image,name=app:1");
  EXPECT_THAT(local.names, ElementsAre("app:1"));
  EXPECT_FALSE(local.push);
  OutputSpec registry = ParseOutputSpec("type=registry");
  EXPECT_EQ(registry.type, Type::kImage);
  EXPECT_TRUE(registry.push);
  EXPECT_THAT(registry.names, IsEmpty());
  EXPECT_FALSE(ParseOutputSpec("type=registry,push=false").push);
  // A quoted field may hold quotes ("" is one) and any key.
  EXPECT_EQ(ParseOutputSpec(R"("type=oci","dest=a,""b"".tar")").dest, "a,\"b\".tar");
  EXPECT_THAT(ParseOutputSpec("type=oci,dest=x.tar,name=app:2").names, ElementsAre("app:2"));
}

TEST(BuildOutputsTest, ImageOutputNamesDefaultToTheTags) {
  BuildRequest request;
  request.tags = {"app:1", "reg:5000/app:1"};
  request.outputs = {ParseOutputSpec("type=registry"),
                     ParseOutputSpec(R"(type=image,"name=app:1,other:2")")};
  EXPECT_THAT(OutputNames(request.outputs[0], request.tags),
              ElementsAre("app:1", "reg:5000/app:1"));
  EXPECT_THAT(OutputNames(request.outputs[1], request.tags), ElementsAre("app:1", "other:2"));
  EXPECT_THAT(ImageNames(request),
              ElementsAre("docker.io/library/app:1", "reg:5000/app:1",
                          "docker.io/library/other:2"));
  CheckImageOutputs(request);
}

TEST(BuildOutputsTest, APushWithoutANameFailsBeforeTheBuild) {
  BuildRequest request;
  request.outputs = {ParseOutputSpec("type=registry")};
  EXPECT_THAT([&] { CheckImageOutputs(request); },
              ThrowsMessage<Error>(HasSubstr("no name to push to; give one with -t")));
  request.outputs = {ParseOutputSpec("type=image,name=Bad:1,push=true")};
  EXPECT_THAT([&] { CheckImageOutputs(request); }, ThrowsMessage<Error>(HasSubstr("Bad:1")));
  request.outputs = {ParseOutputSpec("type=image,name=app:1")};
  CheckImageOutputs(request);  // a name in the store only
}

TEST(BuildOutputsTest, RejectsWhatItCannotWrite) {
  EXPECT_THAT(ErrorOf("type=registry,dest=x"), HasSubstr("type=registry takes no dest="));
  EXPECT_THAT(ErrorOf("type=ftp,dest=x"), HasSubstr("unsupported output type \"ftp\""));
  EXPECT_THAT(ErrorOf("type=oci,dest=x,push=true"), HasSubstr("push= is only for type=image"));
  EXPECT_THAT(ErrorOf("type=image,push=yes"), HasSubstr("push= takes true or false"));
  EXPECT_THAT(ErrorOf("type=local,dest=x,name=a"), HasSubstr("type=local takes no name="));
  EXPECT_THAT(ErrorOf(R"(type=image,"name=a)"), HasSubstr("missing \" in quoted field"));
  EXPECT_THAT(ErrorOf(R"(type=image,name="a")"), HasSubstr("bare \" in non-quoted field"));
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
  EXPECT_FALSE(nlohmann::json::parse(BuildMetadataJson(result, {})).contains("imgbuild.bases"));
}

TEST(BuildOutputsTest, MetadataFilePinsTheBases) {
  BuildResult result{
      .manifest = layers::DescribeBytes(layers::media_types::kOciManifest, "manifest"),
      .config = layers::DescribeBytes(layers::media_types::kOciConfig, "config"),
      .image = {},
      .bases = {{.reference = "busybox",
                 .platform = "linux/amd64",
                 .resolved = layers::DigestOf("index"),
                 .manifest = layers::DigestOf("amd64 manifest")}}};
  nlohmann::json bases = nlohmann::json::parse(BuildMetadataJson(result, {}))["imgbuild.bases"];
  ASSERT_EQ(bases.size(), 1u);
  EXPECT_EQ(bases[0]["reference"], "busybox");
  EXPECT_EQ(bases[0]["platform"], "linux/amd64");
  EXPECT_EQ(bases[0]["digest"], layers::DigestOf("index").ToString());
  EXPECT_EQ(bases[0]["manifest"], layers::DigestOf("amd64 manifest").ToString());
}

}  // namespace
}  // namespace imgbuild::builder
