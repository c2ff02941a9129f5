#include "layers/snapshot_record.h"

#include "layers/chain_id.h"
#include "layers/json_io.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

Digest DigestField(const JsonObjectReader& reader, std::string_view key) {
  std::string text = reader.String(key);
  if (!Digest::IsValid(text)) reader.FailAt(key, "not a digest: \"" + text + "\"");
  return Digest::Parse(text);
}

}  // namespace

std::string SerializeSnapshotRecord(const SnapshotRecord& record) {
  nlohmann::ordered_json json;
  json["chain_id"] = record.chain_id.ToString();
  if (record.parent) json["parent"] = record.parent->ToString();
  json["diff_id"] = record.diff_id.ToString();
  json["size"] = record.size;
  json["created_from"] = record.created_from;
  if (record.unsynced_boot) json["unsynced_boot"] = *record.unsynced_boot;
  return DumpCanonicalJson(json);
}

SnapshotRecord ParseSnapshotRecord(std::string_view json, std::string_view origin) {
  nlohmann::json document = ParseJsonDocument(json, origin);
  JsonObjectReader reader(document, std::string(origin));
  SnapshotRecord record{
      .chain_id = DigestField(reader, "chain_id"),
      .parent = std::nullopt,
      .diff_id = DigestField(reader, "diff_id"),
      .size = static_cast<uint64_t>(reader.Integer("size", 0)),
      .created_from = reader.OptionalString("created_from"),
  };
  if (reader.Has("parent")) record.parent = DigestField(reader, "parent");
  if (reader.Has("unsynced_boot")) record.unsynced_boot = reader.String("unsynced_boot");
  Digest expected = ChainId(record.parent, record.diff_id);
  if (record.chain_id != expected) {
    reader.FailAt("chain_id", fmt::format("is {} but parent and diff_id give {}",
                                          record.chain_id.ToString(), expected.ToString()));
  }
  return record;
}

}  // namespace imgbuild::layers
