#include "layers/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>

#include <vector>

#include "util/fd.h"

namespace imgbuild::layers {
namespace {

size_t HexLength(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? 64 : 128;
}

// Returns "" when `text` is a valid digest, else why it is not.
std::string Problem(std::string_view text, DigestAlgorithm* algorithm) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return "missing \"algorithm:\" prefix";
  std::string_view name = text.substr(0, colon);
  std::string_view hex = text.substr(colon + 1);
  if (name == "sha256") *algorithm = DigestAlgorithm::kSha256;
  else if (name == "sha512") *algorithm = DigestAlgorithm::kSha512;
  else return "unsupported algorithm \"" + std::string(name) + "\" (sha256 or sha512)";
  if (hex.size() != HexLength(*algorithm)) {
    return fmt::format("{} hex digits where {} needs {}", hex.size(), name, HexLength(*algorithm));
  }
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return fmt::format("'{}' is not a lower-case hex digit", c);
    }
  }
  return "";
}

const EVP_MD* Md(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? EVP_sha256() : EVP_sha512();
}

}  // namespace

Digest Digest::Parse(std::string_view text) {
  DigestAlgorithm algorithm = DigestAlgorithm::kSha256;
  std::string problem = Problem(text, &algorithm);
  if (!problem.empty()) Fail("invalid digest \"{}\": {}", text, problem);
  return Digest(algorithm, std::string(text.substr(text.find(':') + 1)));
}

bool Digest::IsValid(std::string_view text) {
  DigestAlgorithm algorithm = DigestAlgorithm::kSha256;
  return Problem(text, &algorithm).empty();
}

Digest Digest::FromBytes(DigestAlgorithm algorithm, const unsigned char* bytes, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    hex += kHex[bytes[i] >> 4];
    hex += kHex[bytes[i] & 0xf];
  }
  return Digest(algorithm, std::move(hex));
}

std::string_view Digest::algorithm_name() const {
  return algorithm_ == DigestAlgorithm::kSha256 ? "sha256" : "sha512";
}

std::string Digest::ToString() const { return std::string(algorithm_name()) + ":" + hex_; }

struct Hasher::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(DigestAlgorithm algorithm)
    : context_(std::make_unique<Context>()), algorithm_(algorithm) {
  if (context_->ctx == nullptr || EVP_DigestInit_ex(context_->ctx, Md(algorithm), nullptr) != 1) {
    Fail("cannot initialise {} hashing (OpenSSL)", algorithm == DigestAlgorithm::kSha256 ? "sha256" : "sha512");
  }
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::Update(const void* data, size_t size) {
  EVP_DigestUpdate(context_->ctx, data, size);
  size_ += size;
}

Digest Hasher::Finish() {
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_->ctx, bytes, &length);
  return Digest::FromBytes(algorithm_, bytes, length);
}

Digest DigestOf(std::string_view bytes) {
  Hasher hasher;
  hasher.Update(bytes);
  return hasher.Finish();
}

Digest DigestOfFile(const std::string& path, DigestAlgorithm algorithm) {
  UniqueFd fd = OpenOrThrow(path, O_RDONLY);
  Hasher hasher(algorithm);
  std::vector<char> buffer(1 << 20);
  while (size_t got = ReadSome(fd.get(), buffer.data(), buffer.size(), path)) {
    hasher.Update(buffer.data(), got);
  }
  return hasher.Finish();
}

}  // namespace imgbuild::layers
