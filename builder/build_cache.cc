#include "builder/build_cache.h"

#include "layers/json_io.h"
#include "parser/graph_json.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::builder {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kRecordVersion = 1;
constexpr size_t kMaxRecordSize = 1 << 20;

// Line numbers say where a step is, not what it does.
void DropLocations(Json& instruction) {
  instruction.erase("line");
  instruction.erase("end_line");
  if (instruction.contains("trigger")) DropLocations(instruction["trigger"]);
}

Json KeyValuesJson(const std::vector<parser::KeyValue>& pairs) {
  Json array = Json::array();
  for (const parser::KeyValue& kv : pairs) array.push_back(Json::array({kv.key, kv.value}));
  return array;
}

layers::Digest DigestOfJson(const Json& value) {
  return layers::DigestOf(layers::DumpCanonicalJson(value));
}

}  // namespace

layers::Digest BaseCacheKey(const std::string& base, const std::string& platform) {
  return DigestOfJson(
      Json{{"imgbuild.cache", kRecordVersion}, {"base", base}, {"platform", platform}});
}

layers::Digest StepCacheKey(const layers::Digest& parent, const StepKeyInput& input) {
  Json instruction = parser::InstructionToJson(*input.instruction);
  DropLocations(instruction);
  Json key{{"imgbuild.cache", kRecordVersion},
           {"parent", parent.ToString()},
           {"instruction", instruction},
           {"build_args", KeyValuesJson(input.build_args)},
           {"platform", input.platform}};
  if (input.content) key["content"] = input.content->ToString();
  if (!input.environment.empty()) key["environment"] = input.environment;
  return DigestOfJson(key);
}

BuildCache::BuildCache(const layers::Store& store) : store_(store) {}

std::string BuildCache::RecordPath(const layers::Digest& key) const {
  return store_.MetadataDir() + "/cache/" + key.hex() + ".json";
}

std::optional<CacheRecord> BuildCache::Lookup(const layers::Digest& key) const {
  std::string path = RecordPath(key);
  try {
    std::string text = ReadFileToString(path, kMaxRecordSize);
    nlohmann::json document = layers::ParseJsonDocument(text, path);
    layers::JsonObjectReader record(document, path);
    if (record.Integer("version", 0) != kRecordVersion) return std::nullopt;
    if (record.String("key") != key.ToString()) return std::nullopt;
    layers::JsonObjectReader layer = record.Object("layer");
    CacheRecord found{.layer = {.media_type = layer.String("mediaType"),
                                .digest = layers::Digest::Parse(layer.String("digest")),
                                .size = layer.Integer("size", 0)},
                      .diff_id = layers::Digest::Parse(record.String("diff_id")),
                      .created_by = record.OptionalString("created_by")};
    if (!store_.HasBlob(found.layer.digest)) return std::nullopt;
    return found;
  } catch (const Error&) {
    return std::nullopt;  // missing or damaged: the step runs again
  }
}

void BuildCache::Put(const layers::Digest& key, const CacheRecord& record) const {
  Json json{{"version", kRecordVersion},
            {"key", key.ToString()},
            {"layer", layers::ToJson(record.layer)},
            {"diff_id", record.diff_id.ToString()},
            {"created_by", record.created_by}};
  // A record lost in a machine crash only makes the step run again; one
  // that survives names a blob that was durable before it was written.
  store_.WriteMetadata(RecordPath(key), layers::DumpCanonicalJson(json) + "\n",
                       Durability::kAtomicOnly);
}

}  // namespace imgbuild::builder
