#include "layers/staged_archive.h"

#include <set>
#include <vector>

#include "util/error.h"
#include "util/split.h"

namespace imgbuild::layers {
namespace {

const std::set<std::string> kTopLevelFiles = {"index.json", "oci-layout", "manifest.json",
                                              "repositories"};
constexpr int kMaxLinkHops = 16;

// "blobs/sha256/<hex>" -> its digest; nullopt for any other name.
std::optional<Digest> BlobPathDigest(const std::string& name) {
  std::vector<std::string> parts = Split(name, '/');
  if (parts.size() != 3 || parts[0] != "blobs") return std::nullopt;
  std::string text = parts[1] + ":" + parts[2];
  if (!Digest::IsValid(text)) return std::nullopt;
  return Digest::Parse(text);
}

// Lexically normalises `path` relative to the archive root; nullopt when
// ".." climbs above it or the path is absolute.
std::optional<std::string> NormalizeInside(std::string_view path) {
  if (path.starts_with('/')) return std::nullopt;
  std::vector<std::string> kept;
  for (const std::string& part : Split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (kept.empty()) return std::nullopt;
      kept.pop_back();
      continue;
    }
    kept.push_back(part);
  }
  std::string joined;
  for (const std::string& part : kept) joined += (joined.empty() ? "" : "/") + part;
  return joined;
}

// Hashes what it is given; for blobs the store already has.
class HashSink : public ByteSink {
 public:
  explicit HashSink(DigestAlgorithm algorithm) : hasher(algorithm) {}
  void Write(const void* data, size_t size) override { hasher.Update(data, size); }
  Hasher hasher;
};

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

}  // namespace

StagedArchive::StagedArchive(const std::string& path, BlobStaging& staging) : path_(path) {
  ImageArchiveReader reader(path);
  while (std::optional<ArchiveMember> member = reader.Next()) {
    if (member->type == ArchiveMember::Type::kDirectory || member->name.empty()) continue;
    if (members_.contains(member->name)) {
      Fail("{}: member \"{}\" appears twice; refusing an ambiguous archive", path_, member->name);
    }
    if (member->type != ArchiveMember::Type::kFile) {
      members_[member->name] = Member{member->type, member->link_target, std::nullopt};
    } else if (kTopLevelFiles.contains(member->name)) {
      top_level_files_[member->name] = reader.ReadData(kMaxTopLevelFileSize);
      members_[member->name] = Member{member->type, "", std::nullopt};
    } else {
      Stage(reader, *member, staging);
    }
  }
}

void StagedArchive::Stage(ImageArchiveReader& reader, const ArchiveMember& member,
                          BlobStaging& staging) {
  std::optional<Digest> expected = BlobPathDigest(member.name);
  std::string what = fmt::format("{}: member \"{}\"", path_, member.name);
  if (expected && staging.InStore(*expected)) {
    // Verified, but not copied: re-loading shared layers costs no writes.
    HashSink sink(expected->algorithm());
    reader.CopyData(sink);
    Digest actual = sink.hasher.Finish();
    if (actual != *expected) {
      Fail("{}: content hashes to {}, not to the digest its name says", what, actual.ToString());
    }
    members_[member.name] = Member{member.type, "", actual};
    return;
  }
  BlobWriter writer =
      staging.NewWriter(expected ? expected->algorithm() : DigestAlgorithm::kSha256);
  reader.CopyData(writer);
  Digest digest = staging.Add(std::move(writer), expected, member.size, what);
  members_[member.name] = Member{member.type, "", digest};
}

std::optional<std::string> StagedArchive::TopLevelFile(const std::string& name) const {
  auto it = top_level_files_.find(name);
  if (it == top_level_files_.end()) return std::nullopt;
  return it->second;
}

Digest StagedArchive::Resolve(const std::string& path, const std::string& field) const {
  std::optional<std::string> current = NormalizeInside(path);
  for (int hop = 0; hop <= kMaxLinkHops; ++hop) {
    if (!current) Fail("{}: {} \"{}\" points outside the archive", path_, field, path);
    auto it = members_.find(*current);
    if (it == members_.end()) {
      Fail("{}: {} names \"{}\", which is not in the archive", path_, field, path);
    }
    const Member& member = it->second;
    switch (member.type) {
      case ArchiveMember::Type::kFile:
        if (!member.digest) Fail("{}: {} names the archive's own \"{}\"", path_, field, *current);
        return *member.digest;
      case ArchiveMember::Type::kHardlink: current = member.link_target; break;
      case ArchiveMember::Type::kSymlink:
        current = member.link_target.starts_with('/')
                      ? std::nullopt
                      : NormalizeInside(ParentOf(*current) + member.link_target);
        break;
      case ArchiveMember::Type::kDirectory:
        Fail("{}: {} \"{}\" is a directory", path_, field, path);
    }
  }
  Fail("{}: {} \"{}\" goes through more than {} links", path_, field, path, kMaxLinkHops);
}

}  // namespace imgbuild::layers
