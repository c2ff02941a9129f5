#include "layers/image_diff_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace imgbuild::layers {
namespace {

using Json = nlohmann::ordered_json;

// --- Text ------------------------------------------------------------------

constexpr size_t kShortHex = 12;

std::string Short(const Digest& digest) {
  return std::string(digest.algorithm_name()) + ":" + digest.hex().substr(0, kShortHex);
}

// Digests shortened, absent values and empty strings made visible.
std::string Value(const std::optional<std::string>& value) {
  if (!value) return "(absent)";
  if (value->empty()) return "\"\"";
  if (Digest::IsValid(*value)) return Short(Digest::Parse(*value));
  return *value;
}

std::string LayerName(size_t index, const std::vector<Digest>& diff_ids) {
  if (index >= diff_ids.size()) return fmt::format("layers[{}]", index);
  return fmt::format("layers[{}] {}", index, Short(diff_ids[index]));
}

std::string EntrySummary(const LayerEntry& entry) {
  std::string text = fmt::format("{} {:04o} {}:{}", EntryTypeName(entry.type), entry.mode,
                                 entry.uid, entry.gid);
  if (entry.type == EntryType::kWhiteout || entry.type == EntryType::kOpaque) {
    return fmt::format("{} (hides {})", EntryTypeName(entry.type),
                       ImagePath(AffectedPath(entry)));
  }
  if (entry.content) text += fmt::format(" {} bytes {}", entry.size, Short(*entry.content));
  if (!entry.link_target.empty()) text += " -> " + entry.link_target;
  if (entry.type == EntryType::kCharDevice || entry.type == EntryType::kBlockDevice) {
    text += fmt::format(" device {}:{}", entry.device_major, entry.device_minor);
  }
  return text;
}

std::string Describe(const FileChange& change) {
  if (!change.a) return "only in B: " + EntrySummary(*change.b);
  if (!change.b) return "only in A: " + EntrySummary(*change.a);
  std::string text;
  for (const FieldChange& field : change.fields) {
    if (!text.empty()) text += "; ";
    text += fmt::format("{} {} -> {}", field.field, Value(field.a), Value(field.b));
  }
  return text;
}

// Which layer each side's version (or removal) came from, final view only.
std::string Origin(const FileChange& change, const LayerStackDiff& files) {
  auto side = [&](const std::optional<LayerEntry>& entry, std::optional<size_t> layer,
                  const std::vector<Digest>& diff_ids) -> std::string {
    if (!layer) return "";
    std::string name = LayerName(*layer, diff_ids);
    return entry ? name : "removed by " + name;
  };
  std::string a = side(change.a, change.layer_a, files.diff_ids_a);
  std::string b = side(change.b, change.layer_b, files.diff_ids_b);
  if (a == b) return a.empty() ? "" : " (" + a + ")";
  std::vector<std::string> parts;
  if (!a.empty()) parts.push_back("A: " + a);
  if (!b.empty()) parts.push_back("B: " + b);
  return " (" + fmt::format("{}", fmt::join(parts, ", ")) + ")";
}

void Omitted(std::string& out, size_t omitted, const std::string& indent) {
  if (omitted > 0) out += fmt::format("{}  ... and {} more\n", indent, omitted);
}

// The config's fields (`config` true) or the other documents' fields.
void RenderDocuments(std::string& out, const CappedList<DocumentChange>& documents, bool config,
                     const std::string& indent) {
  std::string current;
  for (const DocumentChange& change : documents.items) {
    if ((change.document == "config") != config) continue;
    if (change.document != current) {
      current = change.document;
      out += fmt::format("{}{}:\n", indent, current);
    }
    std::string field = change.field.empty() ? "(bytes differ, same fields)" : change.field;
    out += fmt::format("{}  {}: {} -> {}\n", indent, field, Value(change.a), Value(change.b));
  }
  if (!config) Omitted(out, documents.omitted, indent);
}

void RenderFiles(std::string& out, const LayerStackDiff& files, const std::string& indent) {
  if (files.filesystem.total() > 0) {
    out += fmt::format("{}final file system:\n", indent);
    for (const FileChange& change : files.filesystem.items) {
      out += fmt::format("{}  {}: {}{}\n", indent, change.path, Describe(change),
                         Origin(change, files));
    }
    Omitted(out, files.filesystem.omitted, indent);
  }
  for (const LayerDiff& layer : files.layers) {
    out += fmt::format("{}layers[{}] (diff ID {} -> {}):\n", indent, layer.index,
                       layer.diff_id_a ? Short(*layer.diff_id_a) : "(none)",
                       layer.diff_id_b ? Short(*layer.diff_id_b) : "(none)");
    for (const FileChange& change : layer.changes.items) {
      out += fmt::format("{}  {}: {}\n", indent, change.path, Describe(change));
    }
    Omitted(out, layer.changes.omitted, indent);
  }
}

// "1 path", "3 paths".
std::string Count(size_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

std::string Summary(const ImageDiff& diff) {
  std::vector<std::string> parts;
  if (diff.documents.total() > 0) parts.push_back(Count(diff.documents.total(), "field"));
  if (diff.files.filesystem.total() > 0) {
    parts.push_back(Count(diff.files.filesystem.total(), "path") + " in the final file system");
  }
  if (!diff.files.layers.empty()) parts.push_back(Count(diff.files.layers.size(), "layer"));
  if (!diff.platforms.empty()) parts.push_back(Count(diff.platforms.size(), "platform"));
  return fmt::format("{}", fmt::join(parts, ", "));
}

void RenderBody(std::string& out, const ImageDiff& diff, const std::string& indent) {
  // Files go after the config, which usually explains them, and before the
  // manifest, whose layer digests only repeat that layers differ.
  RenderDocuments(out, diff.documents, true, indent);
  RenderFiles(out, diff.files, indent);
  RenderDocuments(out, diff.documents, false, indent);
  for (const ImageDiff& platform : diff.platforms) {
    out += fmt::format("{}platform {} ({} -> {}): {}\n", indent, platform.platform,
                       Short(platform.a.digest), Short(platform.b.digest), Summary(platform));
    RenderBody(out, platform, indent + "  ");
  }
}

// --- JSON ------------------------------------------------------------------

Json Optional(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json Optional(const std::optional<size_t>& value) { return value ? Json(*value) : Json(nullptr); }

Json Optional(const std::optional<Digest>& value) {
  return value ? Json(value->ToString()) : Json(nullptr);
}

Json EntryJson(const std::optional<LayerEntry>& entry) {
  if (!entry) return nullptr;
  Json xattrs = Json::object();
  for (const Xattr& xattr : entry->xattrs) xattrs[xattr.name] = FormatXattrValue(xattr.value);
  bool device = entry->type == EntryType::kCharDevice || entry->type == EntryType::kBlockDevice;
  return {{"type", EntryTypeName(entry->type)},
          {"mode", fmt::format("{:04o}", entry->mode)},
          {"uid", entry->uid},
          {"gid", entry->gid},
          {"mtime", FormatTime(entry->mtime, entry->mtime_nsec)},
          {"size", entry->size},
          {"digest", entry->content ? Json(entry->content->ToString()) : Json(nullptr)},
          {"link", entry->link_target.empty() ? Json(nullptr) : Json(entry->link_target)},
          {"device", device ? Json(fmt::format("{}:{}", entry->device_major, entry->device_minor))
                            : Json(nullptr)},
          {"xattrs", std::move(xattrs)}};
}

Json ChangesJson(const CappedList<FileChange>& list) {
  Json changes = Json::array();
  for (const FileChange& change : list.items) {
    Json fields = Json::array();
    for (const FieldChange& field : change.fields) {
      fields.push_back(
          {{"field", field.field}, {"a", Optional(field.a)}, {"b", Optional(field.b)}});
    }
    changes.push_back({{"path", change.path},
                       {"change", ChangeKindName(change)},
                       {"layerA", Optional(change.layer_a)},
                       {"layerB", Optional(change.layer_b)},
                       {"fields", std::move(fields)},
                       {"a", EntryJson(change.a)},
                       {"b", EntryJson(change.b)}});
  }
  return changes;
}

Json DescriptorJson(const Descriptor& descriptor, const std::string* name) {
  Json json = Json::object();
  if (name != nullptr) json["name"] = *name;
  json["digest"] = descriptor.digest.ToString();
  json["mediaType"] = descriptor.media_type;
  json["size"] = descriptor.size;
  return json;
}

Json DiffJson(const ImageDiff& diff, const DiffLabels* labels) {
  Json json = Json::object();
  if (!diff.platform.empty()) json["platform"] = diff.platform;
  json["identical"] = diff.identical();
  json["a"] = DescriptorJson(diff.a, labels != nullptr ? &labels->a : nullptr);
  json["b"] = DescriptorJson(diff.b, labels != nullptr ? &labels->b : nullptr);
  Json documents = Json::array();
  for (const DocumentChange& change : diff.documents.items) {
    documents.push_back({{"document", change.document},
                         {"field", change.field},
                         {"a", Optional(change.a)},
                         {"b", Optional(change.b)}});
  }
  json["documents"] = {{"changes", std::move(documents)}, {"omitted", diff.documents.omitted}};
  Json layers = Json::array();
  for (const LayerDiff& layer : diff.files.layers) {
    layers.push_back({{"index", layer.index},
                      {"diffIDA", Optional(layer.diff_id_a)},
                      {"diffIDB", Optional(layer.diff_id_b)},
                      {"changes", ChangesJson(layer.changes)},
                      {"omitted", layer.changes.omitted}});
  }
  json["layers"] = std::move(layers);
  json["filesystem"] = {{"changes", ChangesJson(diff.files.filesystem)},
                        {"omitted", diff.files.filesystem.omitted}};
  Json platforms = Json::array();
  for (const ImageDiff& platform : diff.platforms) platforms.push_back(DiffJson(platform, nullptr));
  json["platforms"] = std::move(platforms);
  return json;
}

}  // namespace

std::string RenderImageDiff(const ImageDiff& diff, const DiffLabels& labels) {
  std::string out = fmt::format("A: {} {}\nB: {} {}\n", labels.a, diff.a.digest.ToString(),
                                labels.b, diff.b.digest.ToString());
  if (diff.identical()) return out + fmt::format("identical: {}\n", diff.a.digest.ToString());
  out += fmt::format("different: {}\n", Summary(diff));
  RenderBody(out, diff, "");
  return out;
}

nlohmann::ordered_json ImageDiffToJson(const ImageDiff& diff, const DiffLabels& labels) {
  return DiffJson(diff, &labels);
}

std::string RenderImageDiffJson(const ImageDiff& diff, const DiffLabels& labels) {
  // Layer paths are bytes, not necessarily UTF-8.
  auto replace_invalid = nlohmann::ordered_json::error_handler_t::replace;
  return ImageDiffToJson(diff, labels).dump(2, ' ', false, replace_invalid) + "\n";
}

}  // namespace imgbuild::layers
