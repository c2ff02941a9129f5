#include "builder/add_download.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <optional>

#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::builder {
namespace {

constexpr long kMaxRedirects = 10;
constexpr long kConnectTimeoutSeconds = 30;
constexpr long kStallSeconds = 60;  // abort when under 1 byte/s for this long

struct CurlCleanup {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

// Hashes with the algorithm a --checksum names: sha384 is no OCI digest
// algorithm, so this uses OpenSSL directly.
class ChecksumHasher {
 public:
  explicit ChecksumHasher(const std::string& algorithm)
      : context_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    const EVP_MD* md = EVP_get_digestbyname(algorithm.c_str());
    if (md == nullptr || !context_ || EVP_DigestInit_ex(context_.get(), md, nullptr) != 1) {
      Fail("unsupported checksum algorithm \"{}\"", algorithm);
    }
  }
  void Update(const void* data, size_t size) { EVP_DigestUpdate(context_.get(), data, size); }
  std::string FinishHex() {
    unsigned char bytes[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(context_.get(), bytes, &size);
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", bytes[i]);
    return hex;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context_;
};

struct Transfer {
  int fd = -1;
  std::string path;
  layers::Hasher sha256;
  std::optional<ChecksumHasher> checksum;
  const CancelToken* cancel = nullptr;
  std::string write_error;
};

size_t WriteBody(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<Transfer*>(self);
  size_t bytes = size * count;
  try {
    WriteAll(transfer->fd, data, bytes, transfer->path);
  } catch (const Error& error) {
    transfer->write_error = error.what();
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  transfer->sha256.Update(data, bytes);
  if (transfer->checksum) transfer->checksum->Update(data, bytes);
  return bytes;
}

int CheckCancelled(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(self);
  return transfer->cancel != nullptr && transfer->cancel->cancelled() ? 1 : 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      decoded += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

// The path part of a URL: after "scheme://host", before '?' or '#'.
std::string_view UrlPath(std::string_view url) {
  size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {};
  rest = rest.substr(slash);
  return rest.substr(0, rest.find_first_of("?#"));
}

void Configure(CURL* curl, const std::string& url, Transfer& transfer, char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(curl, CURLOPT_FILETIME, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "imgbuild");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &CheckCancelled);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
}

// Runs the transfer; returns the Last-Modified time (the epoch when the
// server sent none, as BuildKit does).
time_t Fetch(const std::string& url, Transfer& transfer) {
  std::unique_ptr<CURL, CurlCleanup> curl(curl_easy_init());
  if (!curl) Fail("download {}: cannot initialise libcurl", url);
  char error_buffer[CURL_ERROR_SIZE] = "";
  Configure(curl.get(), url, transfer, error_buffer);
  CURLcode result = curl_easy_perform(curl.get());
  if (result == CURLE_ABORTED_BY_CALLBACK) Fail("download {}: cancelled", url);
  if (result == CURLE_WRITE_ERROR && !transfer.write_error.empty()) {
    Fail("download {}: {}", url, transfer.write_error);
  }
  if (result != CURLE_OK) {
    const char* detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(result);
    Fail("download {}: {}", url, detail);
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 400) {
    Fail("download {}: the server answered with status {}", url, status);
  }
  curl_off_t filetime = -1;
  curl_easy_getinfo(curl.get(), CURLINFO_FILETIME_T, &filetime);
  return filetime >= 0 ? static_cast<time_t>(filetime) : 0;
}

void VerifyChecksum(const std::string& url, const std::string& checksum, Transfer& transfer,
                    const layers::Digest& sha256) {
  std::string algorithm = checksum.substr(0, checksum.find(':'));
  std::string actual = transfer.checksum ? transfer.checksum->FinishHex() : sha256.hex();
  std::string expected = checksum.substr(algorithm.size() + 1);
  if (actual != expected) {
    Fail("download {}: checksum mismatch: expected {}, got {}:{}", url, checksum, algorithm,
         actual);
  }
}

}  // namespace

bool IsGitUrl(std::string_view source) {
  if (source.starts_with("git@") || source.starts_with("git://") ||
      source.starts_with("ssh://")) {
    return true;
  }
  if (!source.starts_with("http://") && !source.starts_with("https://")) return false;
  std::string_view without_fragment = source.substr(0, source.find('#'));
  return UrlPath(without_fragment).ends_with(".git");
}

bool IsHttpUrl(std::string_view source) {
  return (source.starts_with("http://") || source.starts_with("https://")) && !IsGitUrl(source);
}

std::string UrlFileName(std::string_view url) {
  std::string path = PercentDecode(UrlPath(url));
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (base.empty() || base == "." || base == "..") return "__unnamed__";
  return base;
}

Download DownloadUrl(const std::string& url, const std::string& dir, const std::string& checksum,
                     const CancelToken* cancel) {
  Transfer transfer;
  transfer.path = dir + "/" + UrlFileName(url);
  transfer.cancel = cancel;
  if (!checksum.empty() && !checksum.starts_with("sha256:")) {
    transfer.checksum.emplace(checksum.substr(0, checksum.find(':')));
  }
  UniqueFd file = OpenOrThrow(transfer.path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  transfer.fd = file.get();
  try {
    time_t mtime = Fetch(url, transfer);
    layers::Digest digest = transfer.sha256.Finish();
    if (!checksum.empty()) VerifyChecksum(url, checksum, transfer, digest);
    struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    if (fchmod(file.get(), 0600) != 0 || futimens(file.get(), times) != 0) {
      FailErrno("set metadata of " + transfer.path);
    }
    return Download{transfer.path, UrlFileName(url), digest};
  } catch (...) {
    unlink(transfer.path.c_str());
    throw;
  }
}

}  // namespace imgbuild::builder
