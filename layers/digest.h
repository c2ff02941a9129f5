// Content digests ("sha256:<hex>") and streaming hashing with OpenSSL EVP.
#ifndef IMGBUILD_LAYERS_DIGEST_H_
#define IMGBUILD_LAYERS_DIGEST_H_

#include <compare>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "util/error.h"

namespace imgbuild::layers {

/// The algorithms the OCI image spec registers.
enum class DigestAlgorithm { kSha256, kSha512 };

/// A validated digest: algorithm plus lower-case hex of the right length.
class Digest {
 public:
  /// Parses "sha256:<64 hex>" or "sha512:<128 hex>". Throws Error quoting
  /// `text` and saying what is wrong (unknown algorithm, length, upper case).
  static Digest Parse(std::string_view text);
  /// Like Parse, but returns false instead of throwing.
  static bool IsValid(std::string_view text);
  /// Makes a digest from raw hash bytes.
  static Digest FromBytes(DigestAlgorithm algorithm, const unsigned char* bytes, size_t size);

  DigestAlgorithm algorithm() const { return algorithm_; }
  std::string_view algorithm_name() const;
  const std::string& hex() const { return hex_; }
  /// "sha256:<hex>".
  std::string ToString() const;

  auto operator<=>(const Digest&) const = default;

 private:
  Digest(DigestAlgorithm algorithm, std::string hex) : algorithm_(algorithm), hex_(std::move(hex)) {}
  DigestAlgorithm algorithm_ = DigestAlgorithm::kSha256;
  std::string hex_;
};

/// Streaming hash. Feed with Update, read once with Finish.
class Hasher {
 public:
  explicit Hasher(DigestAlgorithm algorithm = DigestAlgorithm::kSha256);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  /// Bytes fed so far.
  uint64_t size() const { return size_; }
  /// Returns the digest of everything fed; the Hasher is spent afterwards.
  Digest Finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
  DigestAlgorithm algorithm_;
  uint64_t size_ = 0;
};

/// The sha256 digest of `bytes`.
Digest DigestOf(std::string_view bytes);

/// The digest of the file at `path`, read in chunks. Throws Error naming the path.
Digest DigestOfFile(const std::string& path, DigestAlgorithm algorithm = DigestAlgorithm::kSha256);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_DIGEST_H_
