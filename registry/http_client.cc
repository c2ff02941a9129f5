#include "registry/http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <array>
#include <exception>
#include <mutex>

#include "util/ascii.h"

namespace imgbuild::registry {
namespace {

constexpr long kDownloadBufferSize = 256 << 10;
constexpr long kUploadBufferSize = 2 << 20;  // libcurl's maximum; small buffers slow pushes
constexpr const char* kSystemCaDirectory = "/etc/ssl/certs";

// CURL and CURLSH are both void, so they need deleters of their own.
struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ShareDeleter {
  void operator()(CURLSH* share) const { curl_share_cleanup(share); }
};
struct CurlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
  void operator()(char* text) const { curl_free(text); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using UrlHandle = std::unique_ptr<CURLU, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, CurlDeleter>;
using CurlString = std::unique_ptr<char, CurlDeleter>;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) Fail("cannot initialise libcurl");
  });
}

UrlHandle ParseUrl(std::string_view url) {
  UrlHandle handle(curl_url());
  if (!handle ||
      curl_url_set(handle.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) {
    Fail("invalid URL \"{}\"", UrlForMessages(url));
  }
  return handle;
}

std::string UrlPart(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, flags) != CURLUE_OK) return "";
  CurlString owned(text);
  return owned.get();
}

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// State shared with libcurl's callbacks during one transfer.
struct Transfer {
  const HttpRequest* request;
  CURL* handle;
  HttpResponse* response;
  std::exception_ptr failure;
  bool body_too_large = false;
  bool head_seen = false;
  int64_t uploaded = 0;
};

size_t OnHeader(char* data, size_t size, size_t count, void* context) {
  auto* transfer = static_cast<Transfer*>(context);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    transfer->response->headers.clear();  // A new response (after 100 Continue).
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    transfer->response->headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* context) {
  auto* transfer = static_cast<Transfer*>(context);
  size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(transfer->handle, CURLINFO_RESPONSE_CODE, &status);
  const HttpRequest& request = *transfer->request;
  if (request.on_body && (status == 200 || status == 206)) {
    try {
      if (!transfer->head_seen && request.on_head) {
        transfer->response->status = status;
        request.on_head(*transfer->response);
      }
      transfer->head_seen = true;
      request.on_body(data, bytes);
    } catch (...) {
      transfer->failure = std::current_exception();
      return 0;  // Aborts the transfer.
    }
    return bytes;
  }
  std::string& body = transfer->response->body;
  if (body.size() + bytes > request.max_collected_body) {
    transfer->body_too_large = true;
    return 0;
  }
  body.append(data, bytes);
  return bytes;
}

size_t OnUpload(char* buffer, size_t size, size_t count, void* context) {
  auto* transfer = static_cast<Transfer*>(context);
  const HttpRequest& request = *transfer->request;
  int64_t total = request.body_fd >= 0 ? request.body_length
                                       : static_cast<int64_t>(request.body.size());
  size_t wanted = static_cast<size_t>(
      std::min<int64_t>(static_cast<int64_t>(size * count), total - transfer->uploaded));
  if (wanted == 0) return 0;
  if (request.body_fd < 0) {
    request.body.copy(buffer, wanted, static_cast<size_t>(transfer->uploaded));
    transfer->uploaded += static_cast<int64_t>(wanted);
    return wanted;
  }
  ssize_t got = pread(request.body_fd, buffer, wanted, request.body_offset + transfer->uploaded);
  if (got <= 0) return CURL_READFUNC_ABORT;
  transfer->uploaded += got;
  return static_cast<size_t>(got);
}

// libcurl rewinds the body when it must resend it (a reused connection that
// turned out closed).
int OnSeek(void* context, curl_off_t offset, int origin) {
  auto* transfer = static_cast<Transfer*>(context);
  if (origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
  transfer->uploaded = offset;
  return CURL_SEEKFUNC_OK;
}

}  // namespace

struct HttpClient::Handles {
  std::unique_ptr<CURLSH, ShareDeleter> share;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;
  std::mutex idle_lock;
  std::vector<EasyHandle> idle;

  EasyHandle Acquire() {
    {
      std::lock_guard lock(idle_lock);
      if (!idle.empty()) {
        EasyHandle handle = std::move(idle.back());
        idle.pop_back();
        curl_easy_reset(handle.get());  // Keeps its open connections.
        return handle;
      }
    }
    EasyHandle handle(curl_easy_init());
    if (!handle) Fail("cannot create a libcurl handle");
    return handle;
  }

  void Release(EasyHandle handle) {
    std::lock_guard lock(idle_lock);
    idle.push_back(std::move(handle));
  }
};

std::string UrlForMessages(std::string_view url) {
  return std::string(url.substr(0, url.find('?')));
}

std::string UrlOrigin(std::string_view url) {
  UrlHandle parsed = ParseUrl(url);
  return AsciiLower(UrlPart(parsed.get(), CURLUPART_SCHEME)) + "://" +
         AsciiLower(UrlPart(parsed.get(), CURLUPART_HOST)) + ":" +
         UrlPart(parsed.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

std::string UrlEscape(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      escaped += c;
    } else {
      escaped += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return escaped;
}

std::string ResolveUrl(std::string_view base, std::string_view location) {
  UrlHandle parsed = ParseUrl(base);
  if (curl_url_set(parsed.get(), CURLUPART_URL, std::string(location).c_str(), 0) != CURLUE_OK) {
    Fail("invalid redirect \"{}\" from {}", UrlForMessages(location), UrlForMessages(base));
  }
  return UrlPart(parsed.get(), CURLUPART_URL);
}

std::string HttpResponse::Header(std::string_view name) const {
  std::string wanted = AsciiLower(name);
  for (const HttpHeader& header : headers) {
    if (AsciiLower(header.name) == wanted) return header.value;
  }
  return "";
}

std::vector<std::string> HttpResponse::Headers(std::string_view name) const {
  std::string wanted = AsciiLower(name);
  std::vector<std::string> values;
  for (const HttpHeader& header : headers) {
    if (AsciiLower(header.name) == wanted) values.push_back(header.value);
  }
  return values;
}

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)), handles_(std::make_unique<Handles>()) {
  InitCurlOnce();
  if (!options_.tls_ca_file.empty() && access(options_.tls_ca_file.c_str(), R_OK) != 0) {
    Fail("cannot read the CA bundle {} (--tls-ca): {}", options_.tls_ca_file,
         ErrnoMessage("access", errno));
  }
  handles_->share.reset(curl_share_init());
  if (!handles_->share) Fail("cannot create a libcurl share handle");
  CURLSH* share = handles_->share.get();
  // Connections are not shared: libcurl documents that as unsafe across
  // threads. Each idle easy handle keeps its own.
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(share, CURLSHOPT_USERDATA, handles_.get());
  curl_share_setopt(share, CURLSHOPT_LOCKFUNC,
                    +[](CURL*, curl_lock_data data, curl_lock_access, void* context) {
                      static_cast<Handles*>(context)->share_locks[data].lock();
                    });
  curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, +[](CURL*, curl_lock_data data, void* context) {
    static_cast<Handles*>(context)->share_locks[data].unlock();
  });
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::Perform(const HttpRequest& request) const {
  std::string url = request.url;
  std::string origin = UrlOrigin(url);
  std::string method = request.method;
  for (int redirects = 0;; ++redirects) {
    HttpResponse response = PerformOnce(request, url, UrlOrigin(url) == origin, method);
    std::string location = response.Header("Location");
    if (!IsRedirect(response.status) || location.empty()) {
      return response;
    }
    if (redirects == request.max_redirects) {
      Fail("{} {}: more than {} redirects", request.method, UrlForMessages(request.url),
           request.max_redirects);
    }
    url = ResolveUrl(url, location);
    if (response.status == 303) method = "GET";
  }
}

HttpResponse HttpClient::PerformOnce(const HttpRequest& request, const std::string& url,
                                     bool send_authorization, std::string_view method) const {
  EasyHandle handle = handles_->Acquire();
  CURL* curl = handle.get();
  HttpResponse response;
  response.url = url;
  Transfer transfer{&request, curl, &response, nullptr};
  char error_buffer[CURL_ERROR_SIZE] = "";

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_SHARE, handles_->share.get());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kDownloadBufferSize);
  curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferSize);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (!options_.tls_ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.tls_ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_CAPATH, kSystemCaDirectory);
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);

  HeaderList headers;
  auto add_header = [&](const std::string& header) {
    curl_slist* list = curl_slist_append(headers.get(), header.c_str());
    if (list == nullptr) Fail("out of memory building HTTP headers");
    headers.release();
    headers.reset(list);
  };
  add_header("Expect:");  // No 100-continue round trip before each upload.
  for (const std::string& header : request.headers) add_header(header);
  if (send_authorization && !request.authorization.empty()) {
    add_header("Authorization: " + request.authorization);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  if (method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    int64_t length = request.body_fd >= 0 ? request.body_length
                                          : static_cast<int64_t>(request.body.size());
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, std::string(method).c_str());
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(length));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, OnSeek);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &transfer);
  }

  CURLcode result = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  handles_->Release(std::move(handle));
  if (transfer.failure) std::rethrow_exception(transfer.failure);
  if (transfer.body_too_large) {
    Fail("{} {}: response body larger than {} bytes", method, UrlForMessages(url),
         request.max_collected_body);
  }
  if (result != CURLE_OK) {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(result);
    throw TransportError(fmt::format("{} {}: {}", method, UrlForMessages(url), detail), result);
  }
  return response;
}

}  // namespace imgbuild::registry
