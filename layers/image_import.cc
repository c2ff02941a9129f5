#include "layers/image_import.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <map>
#include <optional>
#include <set>

#include "layers/docker_archive.h"
#include "layers/image_name.h"
#include "layers/import_session.h"
#include "layers/json_io.h"
#include "layers/layer_reader.h"
#include "layers/staged_archive.h"
#include "layers/store.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::layers {
namespace {

constexpr size_t kMaxIndexJsonSize = 16 << 20;

// An image found in the input, before it is tagged.
struct FoundImage {
  Descriptor root;
  std::vector<std::string> names;     // normalised; empty when the input gives none
  std::optional<Manifest> generated;  // docker-archive images: the manifest to store
};

std::string Annotation(const Descriptor& descriptor, std::string_view key) {
  auto it = descriptor.annotations.find(std::string(key));
  return it == descriptor.annotations.end() ? "" : it->second;
}

// The name an index.json entry gives: containerd's full name (the ref name
// is then only the tag, as buildx and docker write it), else the ref name.
std::vector<std::string> EntryNames(const Descriptor& entry, const std::string& input) {
  for (std::string_view key : {annotations::kContainerdImageName, annotations::kRefName}) {
    std::string text = Annotation(entry, key);
    if (text.empty()) continue;
    std::optional<ImageName> name = ImageName::TryParse(text);
    if (!name) {
      Fail("{}: index.json entry {} is named \"{}\" ({}), which is not a valid image name; pass "
           "a name with -t",
           input, entry.digest.ToString(), text, key);
    }
    return {name->Familiar()};
  }
  return {};
}

void CheckLayoutVersion(const std::optional<std::string>& text, const std::string& origin) {
  if (!text) Fail("{}: no oci-layout file; not an OCI image layout", origin);
  nlohmann::json layout = ParseJsonDocument(*text, origin + ": oci-layout");
  std::string version =
      JsonObjectReader(layout, origin + ": oci-layout").String("imageLayoutVersion");
  if (version != "1.0.0") {
    Fail("{}: oci-layout declares imageLayoutVersion \"{}\"; imgbuild reads 1.0.0", origin,
         version);
  }
}

// The images of an OCI layout's index.json, with everything below them required.
std::vector<FoundImage> FindOciImages(ImportSession& session, const std::string& index_json) {
  Index index = ParseIndex(index_json, session.input() + ": index.json");
  std::vector<FoundImage> images;
  for (size_t i = 0; i < index.manifests.size(); ++i) {
    Descriptor root = index.manifests[i];
    session.RequireImage(root, fmt::format("index.json manifests[{}]", i));
    std::vector<std::string> names = EntryNames(root, session.input());
    root.annotations.erase(std::string(annotations::kRefName));
    root.annotations.erase(std::string(annotations::kContainerdImageName));
    images.push_back({root, names, std::nullopt});
  }
  return images;
}

std::string_view LayerMediaType(const ImportSession& session, const Digest& digest) {
  unsigned char magic[4] = {};
  UniqueFd fd = session.Open(digest);
  size_t got = ReadSome(fd.get(), magic, sizeof magic, digest.ToString());
  if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return media_types::kOciLayerGzip;
  if (got == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
    return media_types::kOciLayerZstd;
  }
  return media_types::kOciLayerTar;
}

// The sha256 of the uncompressed layer.
Digest DiffIdOf(const ImportSession& session, const Descriptor& layer, const std::string& what) {
  if (layer.media_type == media_types::kOciLayerTar) return layer.digest;
  UniqueFd fd = session.Open(layer.digest);
  LayerReader reader(fd.get(), what);
  while (reader.Next() != nullptr) {
  }
  return reader.Finish();
}

FoundImage ConvertDockerImage(ImportSession& session, const StagedArchive& archive,
                              const DockerArchiveImage& item, size_t index) {
  std::string field = fmt::format("manifest.json [{}]", index);
  Digest config_digest = archive.Resolve(item.config, field + ".Config");
  Descriptor config{.media_type = std::string(media_types::kOciConfig),
                    .digest = config_digest,
                    .size = session.Size(config_digest)};
  session.Require(config, field);
  ImageConfig parsed = ParseImageConfig(
      session.ReadJson(config), fmt::format("{}: member \"{}\"", archive.path(), item.config));
  if (parsed.diff_ids.size() != item.layers.size()) {
    Fail("{}: {} lists {} layers but its config {} has {} diff IDs", archive.path(), field,
         item.layers.size(), item.config, parsed.diff_ids.size());
  }
  Manifest manifest{.config = config};
  for (size_t i = 0; i < item.layers.size(); ++i) {
    std::string layer_field = fmt::format("{}.Layers[{}]", field, i);
    Digest digest = archive.Resolve(item.layers[i], layer_field);
    Descriptor layer{.media_type = std::string(LayerMediaType(session, digest)),
                     .digest = digest,
                     .size = session.Size(digest)};
    session.Require(layer, field);
    std::string what = fmt::format("{}: member \"{}\"", archive.path(), item.layers[i]);
    Digest diff_id = DiffIdOf(session, layer, what);
    if (diff_id != parsed.diff_ids[i]) {
      Fail("{} ({}) has diff ID {}, but the config's rootfs.diff_ids[{}] is {}", what,
           layer_field, diff_id.ToString(), i, parsed.diff_ids[i].ToString());
    }
    manifest.layers.push_back(std::move(layer));
  }
  FoundImage image{DescribeBytes(media_types::kOciManifest, Serialize(manifest)), {}, manifest};
  for (const std::string& tag : item.repo_tags) {
    std::optional<ImageName> name = ImageName::TryParse(tag);
    if (!name) {
      Fail("{}: {}.RepoTags has \"{}\", not a valid image name", archive.path(), field, tag);
    }
    image.names.push_back(name->Familiar());
  }
  return image;
}

std::vector<FoundImage> FindDockerImages(ImportSession& session, const StagedArchive& archive,
                                         const std::string& manifest_json) {
  std::vector<DockerArchiveImage> items =
      ParseDockerManifest(manifest_json, archive.path() + ": manifest.json");
  std::vector<FoundImage> images;
  for (size_t i = 0; i < items.size(); ++i) {
    images.push_back(ConvertDockerImage(session, archive, items[i], i));
  }
  return images;
}

// Stages a blob of a layout directory, verifying it on the way.
bool FetchFromDirectory(const std::string& dir, const Descriptor& descriptor,
                        BlobStaging& staging) {
  const Digest& digest = descriptor.digest;
  std::string member = LayoutBlobPath(digest);
  int fd = ::open((dir + "/" + member).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    FailErrno("open " + dir + "/" + member);
  }
  UniqueFd owned(fd);
  BlobWriter writer = staging.NewWriter(digest.algorithm());
  std::vector<char> buffer(1 << 20);
  while (size_t got = ReadSome(fd, buffer.data(), buffer.size(), dir + "/" + member)) {
    writer.Write(buffer.data(), got);
    if (writer.size() > descriptor.size) break;  // a blob longer than declared fails below
  }
  staging.Add(std::move(writer), digest, descriptor.size, dir + ": " + member);
  return true;
}

std::vector<FoundImage> FindImagesInDirectory(ImportSession& session, const std::string& dir) {
  auto read_optional = [&](const std::string& name) -> std::optional<std::string> {
    std::string path = dir + "/" + name;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return std::nullopt;
    return ReadFileToString(path, kMaxIndexJsonSize);
  };
  CheckLayoutVersion(read_optional("oci-layout"), dir);
  std::optional<std::string> index_json = read_optional("index.json");
  if (!index_json) Fail("{}: no index.json; not an OCI image layout", dir);
  return FindOciImages(session, *index_json);
}

std::vector<FoundImage> FindImagesInArchive(ImportSession& session, const StagedArchive& archive,
                                            ImportFormat& format) {
  std::optional<std::string> index_json = archive.TopLevelFile("index.json");
  // Docker 25+ writes both: the OCI index is the richer description.
  if (index_json) {
    format = ImportFormat::kOciArchive;
    CheckLayoutVersion(archive.TopLevelFile("oci-layout"), archive.path());
    return FindOciImages(session, *index_json);
  }
  if (std::optional<std::string> manifest_json = archive.TopLevelFile("manifest.json")) {
    format = ImportFormat::kDockerArchive;
    return FindDockerImages(session, archive, *manifest_json);
  }
  Fail("{}: neither index.json (OCI archive) nor manifest.json (docker-archive) at the top of "
       "the archive; archives of Docker before 1.10 are not supported",
       archive.path());
}

// Applies `-t`, checks every image has a name, and turns images into tags.
std::vector<ImportedImage> NameImages(const std::vector<FoundImage>& images,
                                      const ImportOptions& options, const std::string& input) {
  std::vector<ImportedImage> named;
  if (!options.name.empty()) {
    std::set<Digest> roots;
    for (const FoundImage& image : images) roots.insert(image.root.digest);
    if (roots.size() != 1) {
      Fail("{} holds {} images; a name given with -t fits only an input with one", input,
           roots.size());
    }
    named.push_back({ImageName::Parse(options.name).Familiar(), images.front().root});
    return named;
  }
  for (const FoundImage& image : images) {
    if (image.names.empty() && options.keep_unnamed) {
      named.push_back({"", image.root});
      continue;
    }
    if (image.names.empty()) {
      Fail("{}: image {} has no name; pass one with -t NAME[:TAG]", input,
           image.root.digest.ToString());
    }
    for (const std::string& name : image.names) named.push_back({name, image.root});
  }
  return named;
}

}  // namespace

std::string_view ImportFormatName(ImportFormat format) {
  switch (format) {
    case ImportFormat::kOciLayout: return "oci-dir";
    case ImportFormat::kOciArchive: return "oci";
    case ImportFormat::kDockerArchive: return "docker";
  }
  return "unknown";
}

ImportResult ImportImages(const Store& store, const std::string& path,
                          const ImportOptions& options) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) FailErrno("load " + path);
  ImportResult result;
  std::vector<FoundImage> images;
  std::optional<ImportSession> session;
  std::optional<StagedArchive> archive;
  if (S_ISDIR(info.st_mode)) {
    result.format = ImportFormat::kOciLayout;
    session.emplace(store, path, [path](const Descriptor& descriptor, BlobStaging& staging) {
      return FetchFromDirectory(path, descriptor, staging);
    });
    images = FindImagesInDirectory(*session, path);
  } else if (S_ISREG(info.st_mode)) {
    session.emplace(store, path);
    archive.emplace(path, session->staging());
    images = FindImagesInArchive(*session, *archive, result.format);
  } else {
    Fail("load {}: not a directory or a regular file", path);
  }
  if (images.empty()) Fail("{} holds no images", path);
  result.images = NameImages(images, options, path);
  std::tie(result.blobs_added, result.bytes_added) = session->Publish();
  for (const FoundImage& image : images) {
    if (!image.generated || store.HasBlob(image.root.digest)) continue;
    store.PutManifest(*image.generated);
    ++result.blobs_added;
    result.bytes_added += image.root.size;
  }
  for (const ImportedImage& image : result.images) {
    if (!image.name.empty()) store.Tag(image.name, image.descriptor);
  }
  return result;
}

}  // namespace imgbuild::layers
