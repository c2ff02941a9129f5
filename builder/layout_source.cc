#include "builder/layout_source.h"

#include <fcntl.h>
#include <fmt/ranges.h>

#include <optional>
#include <vector>

#include "layers/json_io.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::builder {
namespace {

using layers::Descriptor;

struct LayoutReference {
  std::string path;
  std::string tag;  // "" when a digest is given or no tag was written
  std::optional<layers::Digest> digest;
};

// PATH[:TAG|@DIGEST]; a colon before the last slash belongs to the path.
LayoutReference ParseLayoutReference(std::string_view text) {
  LayoutReference reference;
  if (size_t at = text.rfind('@'); at != std::string_view::npos) {
    reference.path = text.substr(0, at);
    reference.digest = layers::Digest::Parse(text.substr(at + 1));
  } else {
    size_t slash = text.rfind('/');
    size_t colon = text.rfind(':');
    bool has_tag =
        colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
    reference.path = has_tag ? text.substr(0, colon) : text;
    if (has_tag) reference.tag = text.substr(colon + 1);
  }
  if (reference.path.empty()) {
    Fail("{}{}: no layout directory given; write oci-layout://PATH[:TAG|@DIGEST]", kOciLayoutScheme,
         text);
  }
  return reference;
}

std::string LayoutBlobFile(const std::string& layout, const layers::Digest& digest) {
  return layout + "/" + layers::LayoutBlobPath(digest);
}

// A small blob of the layout (manifest, index, config), verified.
std::string ReadLayoutBlob(const std::string& layout, const layers::Digest& digest) {
  std::string path = LayoutBlobFile(layout, digest);
  std::string bytes = ReadFileToString(path, layers::Store::kMaxJsonBlobSize);
  if (layers::DigestOf(bytes) != digest) {
    Fail("{}: content does not match its digest {}; the layout is corrupt", path,
         digest.ToString());
  }
  return bytes;
}

void CopyBlob(const layers::Store& store, const std::string& layout, const Descriptor& blob) {
  if (store.HasBlob(blob.digest)) return;
  std::string path = LayoutBlobFile(layout, blob.digest);
  UniqueFd fd = OpenOrThrow(path, O_RDONLY);
  layers::BlobWriter writer = store.NewBlob(blob.digest.algorithm());
  std::vector<char> buffer(1 << 20);
  while (size_t got = ReadSome(fd.get(), buffer.data(), buffer.size(), path)) {
    writer.Write(buffer.data(), got);
  }
  try {
    writer.Commit(blob.digest, blob.size);
  } catch (const Error& error) {
    Fail("{}: {}", path, error.what());
  }
}

std::string RefName(const Descriptor& descriptor) {
  auto it = descriptor.annotations.find(std::string(layers::annotations::kRefName));
  return it == descriptor.annotations.end() ? "" : it->second;
}

Descriptor ChooseEntry(const std::string& layout, const layers::Index& index,
                       const LayoutReference& reference) {
  if (reference.digest) {
    for (const Descriptor& entry : index.manifests) {
      if (entry.digest == *reference.digest) return entry;
    }
    return DescribeDocument(ReadLayoutBlob(layout, *reference.digest),
                            LayoutBlobFile(layout, *reference.digest));
  }
  std::string tag = reference.tag.empty() ? "latest" : reference.tag;
  std::vector<std::string> names;
  for (const Descriptor& entry : index.manifests) {
    if (RefName(entry) == tag) return entry;
    if (!RefName(entry).empty()) names.push_back(RefName(entry));
  }
  if (reference.tag.empty() && index.manifests.size() == 1) return index.manifests.front();
  Fail("{}{}: no image tagged \"{}\" in {}/index.json; it has {}", kOciLayoutScheme, reference.path,
       tag, layout, names.empty() ? "no tagged images" : fmt::format("{}", fmt::join(names, ", ")));
}

bool Matches(const layers::Platform& have, const parser::Platform& want) {
  return have.os == want.os && have.architecture == want.architecture &&
         (want.variant.empty() || have.variant == want.variant);
}

}  // namespace

Descriptor DescribeDocument(std::string_view bytes, const std::string& origin) {
  nlohmann::json document = layers::ParseJsonDocument(bytes, origin);
  layers::JsonObjectReader reader(document, origin);
  std::string media_type = reader.OptionalString("mediaType");
  if (media_type.empty()) {
    media_type = reader.Has("manifests") ? layers::media_types::kOciIndex
                                         : layers::media_types::kOciManifest;
  }
  return layers::DescribeBytes(media_type, bytes);
}

Descriptor PickPlatformManifest(const layers::Index& index, const parser::Platform& platform,
                                const std::string& what) {
  std::vector<std::string> platforms;
  for (const Descriptor& entry : index.manifests) {
    if (!entry.platform) continue;
    if (entry.platform->os == "unknown") continue;  // BuildKit's attestations
    if (Matches(*entry.platform, platform)) return entry;
    std::string text = entry.platform->os + "/" + entry.platform->architecture;
    platforms.push_back(entry.platform->variant.empty() ? text
                                                        : text + "/" + entry.platform->variant);
  }
  if (index.manifests.size() == 1 && !index.manifests.front().platform) {
    return index.manifests.front();
  }
  Fail("{} has no image for platform {}; it has {}", what, platform.ToString(),
       platforms.empty() ? "none" : fmt::format("{}", fmt::join(platforms, ", ")));
}

Descriptor ImportFromOciLayout(const layers::Store& store, std::string_view text,
                               const parser::Platform& platform) {
  LayoutReference reference = ParseLayoutReference(text);
  const std::string& layout = reference.path;
  std::string index_path = layout + "/index.json";
  layers::Index top =
      layers::ParseIndex(ReadFileToString(index_path, layers::Store::kMaxJsonBlobSize), index_path);
  Descriptor chosen = ChooseEntry(layout, top, reference);
  std::string what = fmt::format("{}{}", kOciLayoutScheme, text);
  for (int depth = 0; layers::IsIndexMediaType(chosen.media_type); ++depth) {
    if (depth == layers::kMaxIndexNesting) Fail("{}: indexes nest too deeply", what);
    layers::Index index = layers::ParseIndex(ReadLayoutBlob(layout, chosen.digest),
                                             LayoutBlobFile(layout, chosen.digest));
    chosen = PickPlatformManifest(index, platform, what);
  }
  if (!layers::IsManifestMediaType(chosen.media_type)) {
    Fail("{}: {} has media type \"{}\", not an image manifest or index", what,
         chosen.digest.ToString(), chosen.media_type);
  }
  layers::Manifest manifest = layers::ParseManifest(ReadLayoutBlob(layout, chosen.digest),
                                                    LayoutBlobFile(layout, chosen.digest));
  CopyBlob(store, layout, manifest.config);
  for (const Descriptor& layer : manifest.layers) CopyBlob(store, layout, layer);
  CopyBlob(store, layout, chosen);  // last: a manifest in the store has all its blobs
  chosen.annotations.clear();
  chosen.platform.reset();
  return chosen;
}

}  // namespace imgbuild::builder
