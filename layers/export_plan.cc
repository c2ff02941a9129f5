#include "layers/export_plan.h"

#include <set>

#include <fmt/ranges.h>

#include "layers/docker_archive.h"
#include "layers/image_name.h"
#include "layers/json_io.h"
#include "layers/platform_match.h"
#include "layers/store.h"
#include "layers/store_walk.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

// The single-platform manifest a docker-archive holds for `root`.
Descriptor PickManifest(const Store& store, const Descriptor& root, const ExportImage& image,
                        const ExportOptions& options) {
  if (IsManifestMediaType(root.media_type)) return root;
  Index index = store.ReadIndex(root);
  std::vector<const Descriptor*> candidates;
  std::vector<std::string> platforms;
  for (const Descriptor& entry : index.manifests) {
    if (!IsImagePlatform(entry)) continue;
    platforms.push_back(PlatformText(entry.platform));
    if (!options.platform || PlatformMatches(*entry.platform, *options.platform)) {
      candidates.push_back(&entry);
    }
  }
  std::string what = image.name.empty() ? root.digest.ToString() : image.name;
  if (candidates.size() == 1) return *candidates.front();
  if (candidates.empty() && options.platform) {
    Fail("image {} has no manifest for {}; it has {}", what, PlatformText(options.platform),
         fmt::join(platforms, ", "));
  }
  Fail("image {} is an index of {} platforms ({}); a docker archive holds one: choose it with "
       "--platform",
       what, platforms.size(), fmt::join(platforms, ", "));
}

// The index.json entry of an exported image.
Descriptor IndexEntry(const Descriptor& target, const std::string& name) {
  Descriptor entry = target;
  entry.annotations.erase(std::string(annotations::kRefName));
  entry.annotations.erase(std::string(annotations::kContainerdImageName));
  if (!name.empty()) {
    ImageName parsed = ImageName::Parse(name);
    entry.annotations[std::string(annotations::kContainerdImageName)] = parsed.FullyQualified();
    entry.annotations[std::string(annotations::kRefName)] = parsed.tag;
  }
  return entry;
}

DockerArchiveImage DockerItem(const Store& store, const Descriptor& manifest_descriptor,
                              const std::string& name) {
  Manifest manifest = store.ReadManifest(manifest_descriptor);
  DockerArchiveImage item{.config = LayoutBlobPath(manifest.config.digest)};
  // Fully qualified, as skopeo writes them: Docker shortens them on load,
  // while podman would put a short "app:1.0" under localhost/.
  if (!name.empty()) item.repo_tags.push_back(ImageName::Parse(name).FullyQualified());
  for (const Descriptor& layer : manifest.layers) {
    item.layers.push_back(LayoutBlobPath(layer.digest));
  }
  return item;
}

void AddBlobs(const Store& store, const std::vector<Descriptor>& roots, ExportPlan& plan) {
  Reachability reachable = WalkReferences(store, roots);
  if (!reachable.problems.empty()) {
    Fail("cannot export from store {}: {}; check it with `imgbuild fsck`", store.root(),
         reachable.problems.front().detail);
  }
  for (const Digest& digest : reachable.digests) plan.blobs[digest] = store.BlobSize(digest);
}

}  // namespace

ExportPlan PlanExport(const Store& store, const std::vector<ExportImage>& images,
                      ExportFormat format, const ExportOptions& options) {
  if (images.empty()) Fail("nothing to export: no image given");
  ExportPlan plan;
  Index index;
  std::vector<DockerArchiveImage> docker_items;
  std::set<std::string> names;
  for (const ExportImage& image : images) {
    if (!image.name.empty() && !names.insert(ImageName::Parse(image.name).ToString()).second) {
      Fail("image name {} is given twice", image.name);
    }
    Descriptor target = image.descriptor;
    if (format == ExportFormat::kDockerArchive) {
      target = PickManifest(store, target, image, options);
      docker_items.push_back(DockerItem(store, target, image.name));
    }
    index.manifests.push_back(IndexEntry(target, image.name));
  }
  AddBlobs(store, index.manifests, plan);
  plan.files["oci-layout"] = DumpCanonicalJson({{"imageLayoutVersion", "1.0.0"}});
  plan.files["index.json"] = Serialize(index);
  if (format == ExportFormat::kDockerArchive) {
    plan.files["manifest.json"] = SerializeDockerManifest(docker_items);
    plan.files["repositories"] = SerializeDockerRepositories(docker_items);
  }
  return plan;
}

}  // namespace imgbuild::layers
