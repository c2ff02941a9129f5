#include "registry/blob_upload.h"

#include "util/human_size.h"

namespace imgbuild::registry {
namespace {

std::string WithQuery(const std::string& url, const std::string& parameter) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + parameter;
}

// The offset after "0-END" in an upload's Range header, or -1.
int64_t ConfirmedOffset(std::string_view range) {
  if (range.starts_with("bytes=")) range.remove_prefix(6);
  size_t dash = range.find('-');
  if (dash == std::string_view::npos || range.substr(0, dash) != "0") return -1;
  std::string_view end = range.substr(dash + 1);
  if (end.empty() || end.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  return std::stoll(std::string(end)) + 1;
}

// One blob's upload across attempts: the session's Location and the bytes
// the registry has confirmed survive a failed attempt.
class Upload {
 public:
  Upload(RegistryClient& client, const layers::Store& store, const std::string& repository,
         const layers::Descriptor& descriptor, const std::vector<std::string>& mount_sources)
      : client_(client),
        descriptor_(descriptor),
        repository_(repository),
        mount_source_(mount_sources.empty() ? "" : mount_sources.front()),
        blob_(store.OpenBlob(descriptor.digest)),
        what_(fmt::format("blob {} to {}/{}", descriptor.digest.ToString(), client.registry(),
                          repository)) {
    scopes_.push_back(RepositoryScope(repository, true));
    if (!mount_source_.empty()) scopes_.push_back(RepositoryScope(mount_source_, false));
  }

  BlobUploadOutcome Run() {
    BlobUploadOutcome outcome = BlobUploadOutcome::kUploaded;
    RunWithRetries(client_.retry_policy(), "uploading " + what_, [&](unsigned attempt) {
      outcome = Attempt(attempt);
    });
    return outcome;
  }

 private:
  BlobUploadOutcome Attempt(unsigned attempt) {
    if (attempt == 1 && Exists()) return BlobUploadOutcome::kExisted;
    if (!location_.empty() && !Resume()) location_.clear();
    if (location_.empty()) {
      if (Start()) return BlobUploadOutcome::kMounted;
    }
    if (descriptor_.size <= client_.options().upload_chunk_size && offset_ == 0) {
      Finish(0, descriptor_.size);
    } else {
      SendChunks();
      Finish(descriptor_.size, 0);
    }
    return BlobUploadOutcome::kUploaded;
  }

  std::string BlobsUrl(std::string_view suffix) const {
    return client_.Url("/v2/" + repository_ + "/blobs/" + std::string(suffix));
  }

  bool Exists() {
    HttpRequest request{.method = "HEAD", .url = BlobsUrl(descriptor_.digest.ToString())};
    HttpResponse response = client_.SendOnce(request, scopes_);
    ThrowIfTransientStatus(response, "HEAD " + UrlForMessages(request.url));
    return response.status == 200;
  }

  // Opens an upload session, or mounts the blob (true).
  bool Start() {
    std::string url = BlobsUrl("uploads/");
    if (!mount_source_.empty()) {
      url += "?mount=" + UrlEscape(descriptor_.digest.ToString()) + "&from=" +
             UrlEscape(mount_source_);
    }
    HttpResponse response = client_.SendOnce({.method = "POST", .url = url}, scopes_);
    ThrowIfTransientStatus(response, "POST " + UrlForMessages(url));
    if (response.status == 201 && !mount_source_.empty()) {
      client_.Log(fmt::format("mounted {} from {}", descriptor_.digest.ToString(), mount_source_));
      return true;
    }
    if (response.status != 202 || response.Header("Location").empty()) {
      client_.FailStatus(response, "POST", "cannot start uploading " + what_, scopes_);
    }
    location_ = ResolveUrl(response.url, response.Header("Location"));
    offset_ = 0;
    client_.Log(fmt::format("pushing {} ({})", descriptor_.digest.ToString(),
                            HumanSize(descriptor_.size)));
    return false;
  }

  // Asks the registry how much of the session it has; false when the
  // session is gone and the upload must start over.
  bool Resume() {
    HttpResponse response = client_.SendOnce({.url = location_}, scopes_);
    int64_t confirmed = ConfirmedOffset(response.Header("Range"));
    if (response.status != 204) return false;
    if (!response.Header("Location").empty()) {
      location_ = ResolveUrl(response.url, response.Header("Location"));
    }
    offset_ = confirmed < 0 ? 0 : confirmed;
    return true;
  }

  void SendChunks() {
    int64_t chunk = std::max<int64_t>(client_.options().upload_chunk_size, 1);
    while (offset_ < descriptor_.size) {
      int64_t length = std::min(chunk, descriptor_.size - offset_);
      std::string range = fmt::format("Content-Range: {}-{}", offset_, offset_ + length - 1);
      HttpResponse response = SendBytes("PATCH", location_, range, offset_, length, 202);
      if (!response.Header("Location").empty()) {
        location_ = ResolveUrl(response.url, response.Header("Location"));
      }
      offset_ += length;
    }
  }

  // Completes the session with the PUT that names the digest, carrying the
  // bytes from `body_offset` on (none for a chunked upload).
  void Finish(int64_t body_offset, int64_t body_length) {
    std::string url = WithQuery(location_, "digest=" + UrlEscape(descriptor_.digest.ToString()));
    SendBytes("PUT", url, "", body_offset, body_length, 201);
    location_.clear();
  }

  // Sends `length` bytes of the blob from `offset` to the upload session;
  // throws unless the registry answers `expected`.
  HttpResponse SendBytes(const std::string& method, const std::string& url,
                         const std::string& extra_header, int64_t offset, int64_t length,
                         long expected) {
    HttpRequest request{.method = method,
                        .url = url,
                        .headers = {"Content-Type: application/octet-stream"},
                        .body_fd = blob_.get(),
                        .body_offset = offset,
                        .body_length = length};
    if (!extra_header.empty()) request.headers.push_back(extra_header);
    HttpResponse response = client_.SendOnce(request, scopes_);
    ThrowIfTransientStatus(response, method + " " + UrlForMessages(url));
    if (response.status != expected) {
      client_.FailStatus(response, method, "cannot upload " + what_, scopes_);
    }
    return response;
  }

  RegistryClient& client_;
  const layers::Descriptor& descriptor_;
  std::string repository_;
  std::string mount_source_;
  UniqueFd blob_;
  std::string what_;
  Scopes scopes_;
  std::string location_;  // The open upload session, "" when none.
  int64_t offset_ = 0;    // Bytes the session has.
};

}  // namespace

BlobUploadOutcome UploadBlob(RegistryClient& client, const layers::Store& store,
                             const std::string& repository, const layers::Descriptor& descriptor,
                             const std::vector<std::string>& mount_sources) {
  return Upload(client, store, repository, descriptor, mount_sources).Run();
}

}  // namespace imgbuild::registry
