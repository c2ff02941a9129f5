#include "registry/push.h"

#include <atomic>

#include "layers/platform_match.h"
#include "registry/blob_sources.h"
#include "registry/blob_upload.h"
#include "util/parallel_for.h"

namespace imgbuild::registry {
namespace {

class Pusher {
 public:
  Pusher(RegistryClient& client, const layers::Store& store, const Reference& destination)
      : client_(client), store_(store), destination_(destination), sources_(store) {}

  // Whether the registry has `image` under `selector` already, asked as the
  // first request (no ping first). Then nothing needs pushing: a registry
  // accepts a manifest only when what it references is there, so a re-push
  // is this one HEAD.
  bool AlreadyThere(const layers::Descriptor& image, const std::string& selector) {
    HttpResponse response =
        client_.SendFirst(ManifestHead(image, selector), PushScopes(), "checking " + Where());
    if (!IsThere(response, image)) return false;
    pushed_.push_back(image.digest);
    client_.Log(
        fmt::format("{}: manifest {} is there already", Where(), image.digest.ToString()));
    return true;
  }

  // Pushes `image` and what it references; `selector` is the tag or digest
  // to PUT the top manifest under.
  void Push(const layers::Descriptor& image, const std::string& selector, int depth) {
    if (depth > layers::kMaxIndexNesting) Fail("{}: indexes nested too deep", Where());
    if (layers::IsIndexMediaType(image.media_type)) {
      for (const layers::Descriptor& entry : store_.ReadIndex(image).manifests) {
        if (!store_.HasBlob(entry.digest)) {
          Fail("cannot push {} to {}: its manifest {} for {} is not in the store (a pull "
               "fetches only one platform of an index; push that platform's manifest instead)",
               image.digest.ToString(), Where(), entry.digest.ToString(),
               layers::PlatformText(entry.platform));
        }
        Push(entry, entry.digest.ToString(), depth + 1);
      }
    } else if (layers::IsManifestMediaType(image.media_type)) {
      PushBlobs(store_.ReadManifest(image));
    } else {
      Fail("cannot push {} to {}: media type \"{}\" is not a manifest or index",
           image.digest.ToString(), Where(), image.media_type);
    }
    // The top manifest was looked for by AlreadyThere.
    PutManifest(image, selector, /*look_first=*/depth > 0);
  }

  void RecordSources() { sources_.Record(destination_.Name(), pushed_); }

 private:
  std::string Where() const { return destination_.ToString(); }

  void PushBlobs(const layers::Manifest& manifest) {
    std::vector<layers::Descriptor> blobs = {manifest.config};
    blobs.insert(blobs.end(), manifest.layers.begin(), manifest.layers.end());
    std::atomic<int> uploaded{0};
    ParallelFor(blobs.size(), client_.options().parallel_transfers, [&](size_t i) {
      const layers::Descriptor& blob = blobs[i];
      std::vector<std::string> sources = sources_.RepositoriesWith(blob.digest, client_.registry());
      std::erase(sources, destination_.repository);
      BlobUploadOutcome outcome =
          UploadBlob(client_, store_, destination_.repository, blob, sources);
      if (outcome != BlobUploadOutcome::kExisted) ++uploaded;
    });
    for (const layers::Descriptor& blob : blobs) pushed_.push_back(blob.digest);
    client_.Log(fmt::format("{}: {} of {} blobs transferred, the others exist", Where(),
                            uploaded.load(), blobs.size()));
  }

  Scopes PushScopes() const { return {RepositoryScope(destination_.repository, true)}; }

  std::string ManifestPath(const std::string& selector) const {
    return "/v2/" + destination_.repository + "/manifests/" + selector;
  }

  // A HEAD of the manifest `selector` names; its url is the path alone.
  HttpRequest ManifestHead(const layers::Descriptor& image, const std::string& selector) const {
    return {.method = "HEAD", .url = ManifestPath(selector),
            .headers = {"Accept: " + image.media_type}};
  }

  static bool IsThere(const HttpResponse& response, const layers::Descriptor& image) {
    return response.status == 200 &&
           response.Header("Docker-Content-Digest") == image.digest.ToString();
  }

  // Whether `selector` already names `image` in the repository: then a
  // re-push is HEAD requests only.
  bool ManifestExists(const layers::Descriptor& image, const std::string& selector) {
    HttpRequest request = ManifestHead(image, selector);
    request.url = client_.Url(request.url);
    return IsThere(client_.Send(request, PushScopes(), "checking " + Where()), image);
  }

  void PutManifest(const layers::Descriptor& image, const std::string& selector,
                   bool look_first) {
    std::string path = ManifestPath(selector);
    Scopes scopes = PushScopes();
    pushed_.push_back(image.digest);
    if (look_first && ManifestExists(image, selector)) {
      client_.Log(
          fmt::format("{}: manifest {} is there already", Where(), image.digest.ToString()));
      return;
    }
    HttpRequest request{.method = "PUT",
                        .url = client_.Url(path),
                        .headers = {"Content-Type: " + image.media_type},
                        .body = store_.ReadBlob(image)};
    std::string what = fmt::format("pushing manifest {} to {}", image.digest.ToString(), Where());
    HttpResponse response = client_.Send(request, scopes, what);
    if (response.status != 201) client_.FailStatus(response, "PUT", "failed " + what, scopes);
    std::string announced = response.Header("Docker-Content-Digest");
    if (!announced.empty() && announced != image.digest.ToString()) {
      Fail("{}: the registry stored it as {}", what, announced);
    }
  }

  RegistryClient& client_;
  const layers::Store& store_;
  const Reference& destination_;
  BlobSources sources_;
  std::vector<layers::Digest> pushed_;
};

}  // namespace

layers::Descriptor PushImage(RegistryClient& client, const layers::Store& store,
                             const layers::Descriptor& image, const Reference& destination) {
  if (destination.digest && *destination.digest != image.digest) {
    Fail("cannot push {} to {}: the destination names another digest", image.digest.ToString(),
         destination.ToString());
  }
  Pusher pusher(client, store, destination);
  if (!pusher.AlreadyThere(image, destination.ManifestSelector())) {
    client.Connect();
    pusher.Push(image, destination.ManifestSelector(), 0);
  }
  pusher.RecordSources();
  layers::Descriptor pushed = image;
  pushed.annotations.clear();
  return pushed;
}

}  // namespace imgbuild::registry
