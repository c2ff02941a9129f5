#include "registry/blob_download.h"

#include <optional>

#include "util/human_size.h"

namespace imgbuild::registry {
namespace {

// The first byte of a "Content-Range: bytes START-END/TOTAL" header, or -1.
int64_t ContentRangeStart(std::string_view header) {
  if (!header.starts_with("bytes ")) return -1;
  header.remove_prefix(6);
  size_t dash = header.find('-');
  if (dash == 0 || dash == std::string_view::npos) return -1;
  std::string_view start = header.substr(0, dash);
  if (start.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  return std::stoll(std::string(start));
}

// One blob's download across attempts: the writer keeps what arrived, so a
// later attempt asks only for the rest.
class Download {
 public:
  Download(RegistryClient& client, const layers::Store& store, const std::string& repository,
           const layers::Descriptor& descriptor)
      : client_(client),
        store_(store),
        descriptor_(descriptor),
        url_(client.Url("/v2/" + repository + "/blobs/" + descriptor.digest.ToString())),
        scopes_{RepositoryScope(repository, false)},
        what_(fmt::format("blob {} of {}/{}", descriptor.digest.ToString(), client.registry(),
                          repository)) {}

  void Run() {
    RunWithRetries(client_.retry_policy(), "downloading " + what_, [&](unsigned) { Attempt(); });
    try {
      writer_->Commit(descriptor_.digest, descriptor_.size);
    } catch (const Error& error) {
      Fail("{} from {}: {}", what_, UrlForMessages(url_), error.what());
    }
  }

 private:
  void Attempt() {
    if (!writer_) writer_.emplace(store_.NewBlob(descriptor_.digest.algorithm()));
    int64_t offset = writer_->size();
    HttpRequest request{.url = url_};
    if (offset > 0) request.headers.push_back(fmt::format("Range: bytes={}-", offset));
    request.on_head = [&](const HttpResponse& head) { StartBody(head, offset); };
    request.on_body = [&](const char* data, size_t size) { Append(data, size); };
    HttpResponse response = client_.SendOnce(request, scopes_);
    if (response.status == 200 || response.status == 206) {
      if (writer_->size() < descriptor_.size) {
        throw TransientError(fmt::format("{} ended after {} of {} bytes", what_, writer_->size(),
                                         descriptor_.size));
      }
      return;
    }
    if (response.status == 416) {
      writer_.reset();  // The registry cannot resume: start over.
      throw TransientError(what_ + ": range not satisfiable");
    }
    ThrowIfTransientStatus(response, "GET " + UrlForMessages(response.url));
    client_.FailStatus(response, "GET", "cannot download " + what_, scopes_);
  }

  // A 200 answer to a Range request is the whole blob again.
  void StartBody(const HttpResponse& head, int64_t offset) {
    bool resumed = head.status == 206 && ContentRangeStart(head.Header("Content-Range")) == offset;
    if (offset > 0 && !resumed) {
      writer_.reset();
      writer_.emplace(store_.NewBlob(descriptor_.digest.algorithm()));
    }
  }

  void Append(const char* data, size_t size) {
    if (writer_->size() + static_cast<int64_t>(size) > descriptor_.size) {
      Fail("{}: the registry sent more than the {} bytes the manifest declares; nothing was kept",
           what_, descriptor_.size);
    }
    writer_->Write(data, size);
  }

  RegistryClient& client_;
  const layers::Store& store_;
  const layers::Descriptor& descriptor_;
  std::string url_;
  Scopes scopes_;
  std::string what_;
  std::optional<layers::BlobWriter> writer_;
};

}  // namespace

void DownloadBlob(RegistryClient& client, const layers::Store& store, const std::string& repository,
                  const layers::Descriptor& descriptor) {
  client.Log(fmt::format("pulling {} ({})", descriptor.digest.ToString(),
                         HumanSize(descriptor.size)));
  Download(client, store, repository, descriptor).Run();
}

}  // namespace imgbuild::registry
