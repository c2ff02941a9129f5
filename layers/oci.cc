#include "layers/oci.h"

#include "layers/json_io.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

using Json = nlohmann::ordered_json;

void PutIfNotEmpty(Json& json, std::string_view key, const std::string& value) {
  if (!value.empty()) json[std::string(key)] = value;
}

void PutIfNotEmpty(Json& json, std::string_view key, const std::vector<std::string>& values) {
  if (!values.empty()) json[std::string(key)] = values;
}

void PutIfNotEmpty(Json& json, std::string_view key,
                   const std::map<std::string, std::string>& map) {
  if (map.empty()) return;
  Json object = Json::object();
  for (const auto& [name, value] : map) {
    object[name] = value;  // std::map order: sorted by bytes, like Go.
  }
  json[std::string(key)] = std::move(object);
}

// Go's map[string]struct{}: {"80/tcp":{}}.
void PutIfNotEmpty(Json& json, std::string_view key, const std::set<std::string>& keys) {
  if (keys.empty()) return;
  Json object = Json::object();
  for (const std::string& name : keys) object[name] = Json::object();
  json[std::string(key)] = std::move(object);
}

void PutIfNotZero(Json& json, std::string_view key, int64_t value) {
  if (value != 0) json[std::string(key)] = value;
}

Json DescriptorList(const std::vector<Descriptor>& descriptors) {
  Json list = Json::array();
  for (const Descriptor& descriptor : descriptors) list.push_back(ToJson(descriptor));
  return list;
}

Json ToJson(const HealthConfig& health) {
  Json json = Json::object();
  PutIfNotEmpty(json, "Test", health.test);
  PutIfNotZero(json, "Interval", health.interval);
  PutIfNotZero(json, "Timeout", health.timeout);
  PutIfNotZero(json, "StartPeriod", health.start_period);
  PutIfNotZero(json, "StartInterval", health.start_interval);
  PutIfNotZero(json, "Retries", health.retries);
  return json;
}

Json ToJson(const ContainerConfig& config) {
  Json json = Json::object();
  PutIfNotEmpty(json, "User", config.user);
  PutIfNotEmpty(json, "ExposedPorts", config.exposed_ports);
  PutIfNotEmpty(json, "Env", config.env);
  PutIfNotEmpty(json, "Entrypoint", config.entrypoint);
  PutIfNotEmpty(json, "Cmd", config.cmd);
  PutIfNotEmpty(json, "Volumes", config.volumes);
  PutIfNotEmpty(json, "WorkingDir", config.working_dir);
  PutIfNotEmpty(json, "Labels", config.labels);
  PutIfNotEmpty(json, "StopSignal", config.stop_signal);
  if (config.args_escaped) json["ArgsEscaped"] = true;
  if (config.healthcheck) json["Healthcheck"] = ToJson(*config.healthcheck);
  PutIfNotEmpty(json, "OnBuild", config.on_build);
  PutIfNotEmpty(json, "Shell", config.shell);
  return json;
}

Json ToJson(const HistoryEntry& entry) {
  Json json = Json::object();
  PutIfNotEmpty(json, "created", entry.created);
  PutIfNotEmpty(json, "created_by", entry.created_by);
  PutIfNotEmpty(json, "author", entry.author);
  PutIfNotEmpty(json, "comment", entry.comment);
  if (entry.empty_layer) json["empty_layer"] = true;
  return json;
}

// --- parsing ---

Digest DigestAt(const JsonObjectReader& reader, std::string_view key, const std::string& text) {
  try {
    return Digest::Parse(text);
  } catch (const Error& e) {
    reader.FailAt(key, e.what());
  }
}

Digest DigestField(const JsonObjectReader& reader, std::string_view key) {
  return DigestAt(reader, key, reader.String(key));
}

void CheckSchemaVersion(const JsonObjectReader& reader) {
  int64_t version = reader.Integer("schemaVersion", 0);
  if (version != 2) reader.FailAt("schemaVersion", fmt::format("must be 2, got {}", version));
}

// The optional "mediaType" of a manifest or index, checked with `accepted`.
std::string MediaTypeField(const JsonObjectReader& reader, bool (*accepted)(std::string_view),
                           std::string_view expected) {
  std::string media_type = reader.OptionalString("mediaType");
  if (!media_type.empty() && !accepted(media_type)) {
    reader.FailAt("mediaType", fmt::format("\"{}\" is not {} media type", media_type, expected));
  }
  return media_type;
}

Platform ParsePlatform(const JsonObjectReader& reader) {
  return Platform{
      .architecture = reader.String("architecture"),
      .os = reader.String("os"),
      .os_version = reader.OptionalString("os.version"),
      .os_features = reader.OptionalStringList("os.features"),
      .variant = reader.OptionalString("variant"),
  };
}

Descriptor ParseDescriptor(const JsonObjectReader& reader) {
  std::optional<JsonObjectReader> platform = reader.OptionalObject("platform");
  return Descriptor{
      .media_type = reader.String("mediaType"),
      .digest = DigestField(reader, "digest"),
      .size = reader.Integer("size", 0),
      .annotations = reader.OptionalStringMap("annotations"),
      .platform = platform ? std::optional<Platform>(ParsePlatform(*platform)) : std::nullopt,
  };
}

std::vector<Descriptor> ParseDescriptors(const JsonObjectReader& reader, std::string_view key) {
  std::vector<Descriptor> descriptors;
  for (const JsonObjectReader& item : reader.ObjectList(key, true)) {
    descriptors.push_back(ParseDescriptor(item));
  }
  return descriptors;
}

HealthConfig ParseHealthConfig(const JsonObjectReader& reader) {
  return HealthConfig{
      .test = reader.OptionalStringList("Test"),
      .interval = reader.OptionalInteger("Interval", 0),
      .timeout = reader.OptionalInteger("Timeout", 0),
      .start_period = reader.OptionalInteger("StartPeriod", 0),
      .start_interval = reader.OptionalInteger("StartInterval", 0),
      .retries = reader.OptionalInteger("Retries", 0),
  };
}

ContainerConfig ParseContainerConfig(const JsonObjectReader& reader) {
  std::optional<JsonObjectReader> health = reader.OptionalObject("Healthcheck");
  return ContainerConfig{
      .user = reader.OptionalString("User"),
      .exposed_ports = reader.OptionalKeySet("ExposedPorts"),
      .env = reader.OptionalStringList("Env"),
      .entrypoint = reader.OptionalStringList("Entrypoint"),
      .cmd = reader.OptionalStringList("Cmd"),
      .volumes = reader.OptionalKeySet("Volumes"),
      .working_dir = reader.OptionalString("WorkingDir"),
      .labels = reader.OptionalStringMap("Labels"),
      .stop_signal = reader.OptionalString("StopSignal"),
      .args_escaped = reader.OptionalBool("ArgsEscaped"),
      .healthcheck =
          health ? std::optional<HealthConfig>(ParseHealthConfig(*health)) : std::nullopt,
      .on_build = reader.OptionalStringList("OnBuild"),
      .shell = reader.OptionalStringList("Shell"),
  };
}

std::vector<Digest> ParseRootFs(const JsonObjectReader& rootfs) {
  std::string type = rootfs.String("type");
  if (type != "layers") rootfs.FailAt("type", fmt::format("must be \"layers\", got \"{}\"", type));
  std::vector<Digest> diff_ids;
  std::vector<std::string> texts = rootfs.OptionalStringList("diff_ids");
  for (size_t i = 0; i < texts.size(); ++i) {
    diff_ids.push_back(DigestAt(rootfs, fmt::format("diff_ids[{}]", i), texts[i]));
  }
  return diff_ids;
}

std::vector<HistoryEntry> ParseHistory(const JsonObjectReader& reader) {
  std::vector<HistoryEntry> history;
  for (const JsonObjectReader& item : reader.ObjectList("history", false)) {
    history.push_back(HistoryEntry{
        .created = item.OptionalString("created"),
        .created_by = item.OptionalString("created_by"),
        .author = item.OptionalString("author"),
        .comment = item.OptionalString("comment"),
        .empty_layer = item.OptionalBool("empty_layer"),
    });
  }
  return history;
}

}  // namespace

std::string LayoutBlobPath(const Digest& digest) {
  return "blobs/" + std::string(digest.algorithm_name()) + "/" + digest.hex();
}

bool IsManifestMediaType(std::string_view media_type) {
  return media_type == media_types::kOciManifest || media_type == media_types::kDockerManifest;
}

bool IsIndexMediaType(std::string_view media_type) {
  return media_type == media_types::kOciIndex || media_type == media_types::kDockerManifestList;
}

bool IsImageConfigMediaType(std::string_view media_type) {
  return media_type == media_types::kOciConfig || media_type == media_types::kDockerConfig;
}

Descriptor DescribeBytes(std::string_view media_type, std::string_view bytes) {
  return Descriptor{.media_type = std::string(media_type),
                    .digest = DigestOf(bytes),
                    .size = static_cast<int64_t>(bytes.size())};
}

Json ToJson(const Platform& platform) {
  Json json = Json::object();
  json["architecture"] = platform.architecture;
  json["os"] = platform.os;
  PutIfNotEmpty(json, "os.version", platform.os_version);
  PutIfNotEmpty(json, "os.features", platform.os_features);
  PutIfNotEmpty(json, "variant", platform.variant);
  return json;
}

Json ToJson(const Descriptor& descriptor) {
  Json json = Json::object();
  json["mediaType"] = descriptor.media_type;
  json["digest"] = descriptor.digest.ToString();
  json["size"] = descriptor.size;
  PutIfNotEmpty(json, "annotations", descriptor.annotations);
  if (descriptor.platform) json["platform"] = ToJson(*descriptor.platform);
  return json;
}

Json ToJson(const Manifest& manifest) {
  Json json = Json::object();
  json["schemaVersion"] = 2;
  PutIfNotEmpty(json, "mediaType", manifest.media_type);
  json["config"] = ToJson(manifest.config);
  json["layers"] = DescriptorList(manifest.layers);
  PutIfNotEmpty(json, "annotations", manifest.annotations);
  return json;
}

Json ToJson(const Index& index) {
  Json json = Json::object();
  json["schemaVersion"] = 2;
  PutIfNotEmpty(json, "mediaType", index.media_type);
  json["manifests"] = DescriptorList(index.manifests);
  PutIfNotEmpty(json, "annotations", index.annotations);
  return json;
}

Json ToJson(const ImageConfig& config) {
  Json json = Json::object();
  PutIfNotEmpty(json, "created", config.created);
  PutIfNotEmpty(json, "author", config.author);
  json["architecture"] = config.architecture;
  json["os"] = config.os;
  PutIfNotEmpty(json, "os.version", config.os_version);
  PutIfNotEmpty(json, "os.features", config.os_features);
  PutIfNotEmpty(json, "variant", config.variant);
  json["config"] = ToJson(config.config);
  Json diff_ids = Json::array();
  for (const Digest& diff_id : config.diff_ids) diff_ids.push_back(diff_id.ToString());
  json["rootfs"] = Json{{"type", "layers"}, {"diff_ids", std::move(diff_ids)}};
  if (!config.history.empty()) {
    Json history = Json::array();
    for (const HistoryEntry& entry : config.history) history.push_back(ToJson(entry));
    json["history"] = std::move(history);
  }
  return json;
}

std::string Serialize(const Manifest& manifest) {
  return DumpCanonicalJson(ToJson(manifest));
}
std::string Serialize(const Index& index) {
  return DumpCanonicalJson(ToJson(index));
}
std::string Serialize(const ImageConfig& config) {
  return DumpCanonicalJson(ToJson(config));
}

Manifest ParseManifest(std::string_view json, std::string_view origin) {
  nlohmann::json document = ParseJsonDocument(json, origin);
  JsonObjectReader reader(document, std::string(origin));
  CheckSchemaVersion(reader);
  return Manifest{
      .media_type = MediaTypeField(reader, IsManifestMediaType, "a manifest"),
      .config = ParseDescriptor(reader.Object("config")),
      .layers = ParseDescriptors(reader, "layers"),
      .annotations = reader.OptionalStringMap("annotations"),
  };
}

Index ParseIndex(std::string_view json, std::string_view origin) {
  nlohmann::json document = ParseJsonDocument(json, origin);
  JsonObjectReader reader(document, std::string(origin));
  CheckSchemaVersion(reader);
  return Index{
      .media_type = MediaTypeField(reader, IsIndexMediaType, "an index"),
      .manifests = ParseDescriptors(reader, "manifests"),
      .annotations = reader.OptionalStringMap("annotations"),
  };
}

ImageConfig ParseImageConfig(std::string_view json, std::string_view origin) {
  nlohmann::json document = ParseJsonDocument(json, origin);
  JsonObjectReader reader(document, std::string(origin));
  std::optional<JsonObjectReader> config = reader.OptionalObject("config");
  return ImageConfig{
      .created = reader.OptionalString("created"),
      .author = reader.OptionalString("author"),
      .architecture = reader.String("architecture"),
      .os = reader.String("os"),
      .os_version = reader.OptionalString("os.version"),
      .os_features = reader.OptionalStringList("os.features"),
      .variant = reader.OptionalString("variant"),
      .config = config ? ParseContainerConfig(*config) : ContainerConfig{},
      .diff_ids = ParseRootFs(reader.Object("rootfs")),
      .history = ParseHistory(reader),
  };
}

}  // namespace imgbuild::layers
