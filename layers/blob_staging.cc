#include "layers/blob_staging.h"

#include "layers/store.h"
#include "util/error.h"

namespace imgbuild::layers {

BlobWriter BlobStaging::NewWriter(DigestAlgorithm algorithm) const {
  return store_.NewBlob(algorithm);
}

Digest BlobStaging::Add(BlobWriter writer, const std::optional<Digest>& expected_digest,
                        std::optional<int64_t> expected_size, std::string_view what) {
  std::optional<Digest> sealed;
  try {
    sealed = writer.Seal(expected_digest, expected_size);
  } catch (const Error& error) {
    Fail("{}: {}", what, error.what());
  }
  Digest digest = *sealed;
  int64_t size = writer.size();
  staged_.try_emplace(digest, Staged{std::move(writer), size});
  return digest;
}

bool BlobStaging::InStore(const Digest& digest) const {
  return store_.HasBlob(digest);
}

const BlobStaging::Staged& BlobStaging::Find(const Digest& digest) const {
  auto it = staged_.find(digest);
  if (it == staged_.end()) Fail("blob {} was not staged (internal error)", digest.ToString());
  return it->second;
}

int64_t BlobStaging::Size(const Digest& digest) const {
  return Find(digest).size;
}

UniqueFd BlobStaging::Open(const Digest& digest) const {
  return Find(digest).writer.OpenSealed();
}

std::string BlobStaging::Read(const Digest& digest, size_t max_size) const {
  const Staged& staged = Find(digest);
  if (staged.size > static_cast<int64_t>(max_size)) {
    Fail("blob {} is {} bytes, more than the {} bytes imgbuild reads into memory",
         digest.ToString(), staged.size, max_size);
  }
  UniqueFd fd = staged.writer.OpenSealed();
  std::string bytes(static_cast<size_t>(staged.size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    size_t got = ReadSome(fd.get(), bytes.data() + done, bytes.size() - done, digest.ToString());
    if (got == 0) Fail("staged blob {} shrank while it was read", digest.ToString());
    done += got;
  }
  return bytes;
}

void BlobStaging::Publish(const std::set<Digest>& digests) {
  for (const Digest& digest : digests) {
    auto it = staged_.find(digest);
    if (it == staged_.end()) continue;
    it->second.writer.Commit();
    staged_.erase(it);
  }
}

}  // namespace imgbuild::layers
