#include "registry/blob_sources.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::registry {
namespace {

constexpr size_t kMaxRecordSize = 64 << 20;

nlohmann::json ReadRecord(const std::string& path) {
  try {
    nlohmann::json record =
        nlohmann::json::parse(ReadFileToString(path, kMaxRecordSize), nullptr, false);
    if (record.is_object()) return record;
  } catch (const Error&) {
    // Missing or unreadable: start afresh; the record is only a hint.
  }
  return nlohmann::json::object();
}

}  // namespace

std::string BlobSources::Path() const {
  return store_.MetadataDir() + "/registry/blob-sources.json";
}

void BlobSources::Record(std::string_view repository,
                         const std::vector<layers::Digest>& digests) const {
  // Re-pushes and re-pulls change nothing: skip the lock and the fsync.
  nlohmann::json known = ReadRecord(Path());
  bool news = std::any_of(digests.begin(), digests.end(), [&](const layers::Digest& digest) {
    auto entry = known.find(digest.ToString());
    return entry == known.end() || !entry->is_array() || entry->empty() ||
           entry->front() != repository;
  });
  if (!news) return;
  FileLock lock = store_.Lock(FileLock::Mode::kExclusive);
  nlohmann::json record = ReadRecord(Path());
  for (const layers::Digest& digest : digests) {
    nlohmann::json& known = record[digest.ToString()];
    nlohmann::json repositories = nlohmann::json::array({repository});
    if (known.is_array()) {
      for (const nlohmann::json& other : known) {
        if (other != repository && repositories.size() < kMaxRepositoriesPerBlob) {
          repositories.push_back(other);
        }
      }
    }
    known = std::move(repositories);
  }
  nlohmann::json kept = nlohmann::json::object();
  for (auto& [digest, repositories] : record.items()) {
    if (layers::Digest::IsValid(digest) && store_.HasBlob(layers::Digest::Parse(digest))) {
      kept[digest] = std::move(repositories);
    }
  }
  store_.WriteMetadata(Path(), kept.dump(), lock);
}

std::vector<std::string> BlobSources::RepositoriesWith(const layers::Digest& digest,
                                                       std::string_view registry) const {
  nlohmann::json record = ReadRecord(Path());
  std::vector<std::string> found;
  auto entry = record.find(digest.ToString());
  if (entry == record.end() || !entry->is_array()) return found;
  std::string prefix = std::string(registry) + "/";
  for (const nlohmann::json& repository : *entry) {
    if (repository.is_string() && repository.get<std::string>().starts_with(prefix)) {
      found.push_back(repository.get<std::string>().substr(prefix.size()));
    }
  }
  return found;
}

}  // namespace imgbuild::registry
