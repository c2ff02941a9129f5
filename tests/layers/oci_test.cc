#include "layers/oci.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/error.h"

namespace imgbuild::layers {
namespace {

const std::string kHexA(64, 'a');
const std::string kHexB(64, 'b');
const std::string kHexC(64, 'c');

Descriptor Blob(std::string_view media_type, const std::string& hex, int64_t size) {
  return Descriptor{.media_type = std::string(media_type),
                    .digest = Digest::Parse("sha256:" + hex),
                    .size = size};
}

Manifest SampleManifest() {
  Manifest manifest{.config = Blob(media_types::kOciConfig, kHexA, 123)};
  manifest.layers.push_back(Blob(media_types::kOciLayerGzip, kHexB, 4567));
  manifest.layers.push_back(Blob(media_types::kOciLayerZstd, kHexC, 89));
  manifest.layers.back().annotations["org.example.z"] = "last";
  manifest.layers.back().annotations["org.example.a"] = "first";
  return manifest;
}

ImageConfig SampleConfig() {
  ImageConfig config{.created = "2024-01-02T03:04:05Z", .architecture = "arm", .os = "linux",
                     .variant = "v7"};
  config.config.user = "app";
  config.config.exposed_ports = {"8080/tcp", "53/udp"};
  config.config.env = {"PATH=/usr/bin", "A=1"};
  config.config.entrypoint = {"/bin/sh", "-c"};
  config.config.cmd = {"echo a && echo <b>"};
  config.config.volumes = {"/data"};
  config.config.working_dir = "/srv";
  config.config.labels = {{"b", "2"}, {"a", "1"}};
  config.config.stop_signal = "SIGTERM";
  config.config.args_escaped = true;
  config.config.healthcheck = HealthConfig{.test = {"CMD", "true"}, .interval = 30000000000,
                                           .timeout = 1, .start_period = 2, .start_interval = 3,
                                           .retries = 4};
  config.config.on_build = {"RUN make"};
  config.config.shell = {"/bin/bash", "-c"};
  config.diff_ids = {Digest::Parse("sha256:" + kHexB)};
  config.history = {{.created = "2024-01-02T03:04:05Z", .created_by = "RUN make", .comment = "c"},
                    {.created_by = "ENV A=1", .author = "me", .empty_layer = true}};
  return config;
}

TEST(OciTest, ManifestHasGoKeyOrderAndOmitsEmptyFields) {
  EXPECT_EQ(Serialize(SampleManifest()),
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
            R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
            R"("digest":"sha256:)" + kHexA + R"(","size":123},"layers":[)"
            R"({"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",)"
            R"("digest":"sha256:)" + kHexB + R"(","size":4567},)"
            R"({"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd",)"
            R"("digest":"sha256:)" + kHexC + R"(","size":89,)"
            R"("annotations":{"org.example.a":"first","org.example.z":"last"}}]})");
}

TEST(OciTest, IndexWithPlatformsSerializesExactly) {
  Index index;
  Descriptor arm = Blob(media_types::kOciManifest, kHexA, 10);
  arm.platform = Platform{.architecture = "arm64", .os = "linux", .variant = "v8"};
  index.manifests.push_back(arm);
  index.annotations["k"] = "v";
  EXPECT_EQ(Serialize(index),
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
            R"("manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
            R"("digest":"sha256:)" + kHexA + R"(","size":10,)"
            R"("platform":{"architecture":"arm64","os":"linux","variant":"v8"}}],)"
            R"("annotations":{"k":"v"}})");
  EXPECT_EQ(Serialize(Index{}),
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
            R"("manifests":[]})");
}

TEST(OciTest, MinimalConfigKeepsRequiredFields) {
  ImageConfig config{.architecture = "amd64", .os = "linux"};
  EXPECT_EQ(Serialize(config),
            R"({"architecture":"amd64","os":"linux","config":{},)"
            R"("rootfs":{"type":"layers","diff_ids":[]}})");
}

TEST(OciTest, FullConfigSerializesExactlyWithGoEscaping) {
  EXPECT_EQ(
      Serialize(SampleConfig()),
      R"({"created":"2024-01-02T03:04:05Z","architecture":"arm","os":"linux","variant":"v7",)"
      R"("config":{"User":"app","ExposedPorts":{"53/udp":{},"8080/tcp":{}},)"
      R"("Env":["PATH=/usr/bin","A=1"],)"
      R"("Entrypoint":["/bin/sh","-c"],"Cmd":["echo a \u0026\u0026 echo \u003cb\u003e"],)"
      R"("Volumes":{"/data":{}},"WorkingDir":"/srv","Labels":{"a":"1","b":"2"},)"
      R"("StopSignal":"SIGTERM","ArgsEscaped":true,)"
      R"("Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Timeout":1,)"
      R"("StartPeriod":2,"StartInterval":3,"Retries":4},)"
      R"("OnBuild":["RUN make"],"Shell":["/bin/bash","-c"]},)"
      R"("rootfs":{"type":"layers","diff_ids":["sha256:)" + kHexB + R"("]},)"
      R"("history":[{"created":"2024-01-02T03:04:05Z","created_by":"RUN make","comment":"c"},)"
      R"({"created_by":"ENV A=1","author":"me","empty_layer":true}]})");
}

TEST(OciTest, RoundTripsAreLosslessAndByteStable) {
  Manifest manifest = SampleManifest();
  std::string manifest_bytes = Serialize(manifest);
  EXPECT_EQ(ParseManifest(manifest_bytes, "m"), manifest);
  EXPECT_EQ(Serialize(ParseManifest(manifest_bytes, "m")), manifest_bytes);

  ImageConfig config = SampleConfig();
  std::string config_bytes = Serialize(config);
  EXPECT_EQ(ParseImageConfig(config_bytes, "c"), config);
  EXPECT_EQ(Serialize(ParseImageConfig(config_bytes, "c")), config_bytes);

  Index index;
  index.manifests.push_back(Blob(media_types::kDockerManifest, kHexA, 1));
  index.manifests.back().platform = Platform{
      .architecture = "amd64", .os = "windows", .os_version = "10.0", .os_features = {"win32k"}};
  EXPECT_EQ(ParseIndex(Serialize(index), "i"), index);
}

TEST(OciTest, SerializationDoesNotDependOnInsertionOrder) {
  ImageConfig first = SampleConfig();
  ImageConfig second = SampleConfig();
  second.config.labels.clear();
  second.config.labels["b"] = "2";
  second.config.labels["a"] = "1";
  EXPECT_EQ(Serialize(first), Serialize(second));
  EXPECT_EQ(DigestOf(Serialize(first)), DigestOf(Serialize(second)));
}

TEST(OciTest, InvalidUtf8IsReplacedNotFatal) {
  ImageConfig config{.architecture = "amd64", .os = "linux"};
  config.config.env = {std::string("A=\xff")};
  EXPECT_NE(Serialize(config).find("A=\xef\xbf\xbd"), std::string::npos);
}

TEST(OciTest, ParsesDockerSchema2ManifestAndForeignFields) {
  std::string json = R"({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
               "digest": "sha256:)" + kHexA + R"("},
    "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654,
                "digest": "sha256:)" + kHexB + R"(", "urls": ["https://example.com"]}],
    "subject": null, "futureField": {"x": [1, 2]}})";
  Manifest manifest = ParseManifest(json, "docker manifest");
  EXPECT_EQ(manifest.media_type, media_types::kDockerManifest);
  EXPECT_EQ(manifest.config.size, 7023);
  ASSERT_EQ(manifest.layers.size(), 1u);
  EXPECT_EQ(manifest.layers[0].digest.hex(), kHexB);
}

TEST(OciTest, AcceptsNullAsAbsentLikeGo) {
  std::string json = R"({"architecture":"amd64","os":"linux","config":{"Cmd":null,"Env":null},)"
                     R"("rootfs":{"type":"layers","diff_ids":null},"history":null})";
  ImageConfig config = ParseImageConfig(json, "c");
  EXPECT_TRUE(config.config.cmd.empty());
  EXPECT_TRUE(config.diff_ids.empty());
}

struct HostileCase {
  std::string name;
  std::string json;
  std::string expected;  // A substring of the error.
};

// Expects `parse(json, origin)` to throw for every case, naming `origin`.
template <typename Parse>
void ExpectAllRejected(const std::vector<HostileCase>& cases, Parse parse,
                       const std::string& origin) {
  for (const HostileCase& c : cases) {
    try {
      parse(c.json, origin);
      ADD_FAILURE() << c.name << ": accepted";
    } catch (const Error& e) {
      std::string message = e.what();
      EXPECT_EQ(message.rfind(origin + ": ", 0), 0u) << c.name << ": " << message;
      EXPECT_NE(message.find(c.expected), std::string::npos) << c.name << ": " << message;
    }
  }
}

std::string ManifestWithLayer(const std::string& layer) {
  return R"({"schemaVersion":2,"config":{"mediaType":"m","digest":"sha256:)" + kHexA +
         R"(","size":1},"layers":[)" + layer + "]}";
}

std::string Layer(const std::string& digest, const std::string& size,
                  const std::string& extra = "") {
  return R"({"mediaType":"m","digest":")" + digest + R"(","size":)" + size + extra + "}";
}

TEST(OciTest, HostileManifestsFailNamingOriginAndField) {
  std::string digest = "sha256:" + kHexB;
  std::string layers_object = ManifestWithLayer("");
  layers_object.replace(layers_object.find("[]"), 2, "{}");
  std::vector<HostileCase> cases = {
      {"truncated", "{\"schemaVersion\":", "invalid JSON"},
      {"not an object", "[1,2]", "expected a JSON object, got array"},
      {"empty", "", "invalid JSON"},
      {"schema 1", R"({"schemaVersion":1})", R"(field "schemaVersion": must be 2, got 1)"},
      {"schema string", R"({"schemaVersion":"2"})",
       R"(field "schemaVersion": expected an integer, got string)"},
      {"missing config", R"({"schemaVersion":2,"layers":[]})",
       R"(field "config": required field is missing)"},
      {"config array", R"({"schemaVersion":2,"config":[],"layers":[]})",
       R"(field "config": expected an object, got array)"},
      {"missing layers",
       R"({"schemaVersion":2,"config":{"mediaType":"m","digest":")" + digest + R"(","size":1}})",
       R"(field "layers": required field is missing)"},
      {"layers object", layers_object,
       R"(field "layers": expected an array of objects, got object)"},
      {"layer string", ManifestWithLayer(R"("x")"),
       R"(field "layers[0]": expected an object, got string)"},
      {"bad digest", ManifestWithLayer(Layer(digest, "1") + "," + Layer("sha256:xyz", "1")),
       R"(field "layers[1].digest": invalid digest "sha256:xyz")"},
      {"md5 digest", ManifestWithLayer(Layer("md5:abc", "1")), R"(unsupported algorithm "md5")"},
      {"negative size", ManifestWithLayer(Layer(digest, "-1")),
       R"(field "layers[0].size": must be at least 0, got -1)"},
      {"float size", ManifestWithLayer(Layer(digest, "1.5")),
       "expected an integer, got number 1.5"},
      {"huge size", ManifestWithLayer(Layer(digest, "18446744073709551615")), "is too large"},
      {"size string", ManifestWithLayer(Layer(digest, R"("12")")),
       "expected an integer, got string"},
      {"missing media type", ManifestWithLayer(R"({"digest":")" + digest + R"(","size":1})"),
       R"(field "layers[0].mediaType": required field is missing)"},
      {"annotation number", ManifestWithLayer(Layer(digest, "1", R"(,"annotations":{"k":1})")),
       R"(field "layers[0].annotations.k": expected a string, got integer 1)"},
      {"index media type",
       R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"})",
       "is not a manifest media type"},
      {"deep nesting", "{\"layers\":" + std::string(200000, '[') + std::string(200000, ']') + "}",
       R"(field "schemaVersion": required field is missing)"},
  };
  ExpectAllRejected(cases, ParseManifest, "manifest sha256:feed");
}

TEST(OciTest, HostileConfigsAndIndexesFailNamingField) {
  auto config = [](const std::string& extra) {
    return R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]})" +
           extra + "}";
  };
  std::vector<HostileCase> config_cases = {
      {"no architecture", R"({"os":"linux","rootfs":{"type":"layers"}})",
       R"(field "architecture": required)"},
      {"no rootfs", R"({"architecture":"amd64","os":"linux"})",
       R"(field "rootfs": required field is missing)"},
      {"rootfs type", R"({"architecture":"a","os":"l","rootfs":{"type":"zfs"}})",
       R"(field "rootfs.type": must be "layers", got "zfs")"},
      {"diff id",
       R"({"architecture":"a","os":"l","rootfs":{"type":"layers","diff_ids":["sha256:)" + kHexA +
           R"(","x"]}})",
       R"(field "rootfs.diff_ids[1]": invalid digest "x")"},
      {"env number", config(R"(,"config":{"Env":["A=1",2]})"),
       R"(field "config.Env[1]": expected a string)"},
      {"ports list", config(R"(,"config":{"ExposedPorts":["80/tcp"]})"),
       R"(field "config.ExposedPorts": expected an object)"},
      {"port value", config(R"(,"config":{"ExposedPorts":{"80/tcp":"yes"}})"),
       R"(field "config.ExposedPorts.80/tcp")"},
      {"health interval", config(R"(,"config":{"Healthcheck":{"Interval":-5}})"),
       R"(field "config.Healthcheck.Interval": must be at least 0, got -5)"},
      {"empty layer", config(R"(,"history":[{},{"empty_layer":"true"}])"),
       R"(field "history[1].empty_layer": expected a boolean, got string)"},
  };
  ExpectAllRejected(config_cases, ParseImageConfig, "config sha256:cafe");
  std::vector<HostileCase> index_cases = {
      {"platform without architecture",
       R"({"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"sha256:)" + kHexA +
           R"(","size":1,"platform":{"os":"linux"}}]})",
       R"(field "manifests[0].platform.architecture": required field is missing)"},
      {"manifest media type",
       R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})",
       "is not an index media type"},
  };
  ExpectAllRejected(index_cases, ParseIndex, "/store/index.json");
}

TEST(OciTest, MediaTypePredicates) {
  EXPECT_TRUE(IsManifestMediaType(media_types::kDockerManifest));
  EXPECT_TRUE(IsManifestMediaType(media_types::kOciManifest));
  EXPECT_FALSE(IsManifestMediaType(media_types::kOciIndex));
  EXPECT_TRUE(IsIndexMediaType(media_types::kDockerManifestList));
  EXPECT_TRUE(IsImageConfigMediaType(media_types::kDockerConfig));
  EXPECT_FALSE(IsImageConfigMediaType(media_types::kOciEmptyJson));
  Descriptor empty = DescribeBytes(media_types::kOciEmptyJson, kEmptyJson);
  EXPECT_EQ(empty.digest.ToString(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  EXPECT_EQ(empty.size, 2);
}

}  // namespace
}  // namespace imgbuild::layers
