#include "layers/store.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <tuple>

#include <fmt/ranges.h>

#include "layers/image_name.h"
#include "layers/json_io.h"
#include "layers/store_walk.h"
#include "util/atomic_file.h"
#include "util/dir.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kLayoutVersion = "1.0.0";
constexpr size_t kMaxIndexJsonSize = 64 << 20;
constexpr size_t kMaxListedNames = 10;

std::string AbsolutePath(const std::string& path) {
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (error) Fail("resolve store root {}: {}", path, error.message());
  std::string text = absolute.lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

bool Exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

void CreateDirectories(const std::string& path) {
  std::error_code error;
  fs::create_directories(path, error);
  if (error) Fail("create store directory {}: {}", path, error.message());
}

bool IsRegularFile(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::string RefName(const Descriptor& descriptor) {
  auto it = descriptor.annotations.find(std::string(annotations::kRefName));
  return it == descriptor.annotations.end() ? "" : it->second;
}

// index.json order: named entries by name, then unnamed ones, ties by digest.
void SortEntries(Index& index) {
  std::sort(index.manifests.begin(), index.manifests.end(),
            [](const Descriptor& a, const Descriptor& b) {
              std::string name_a = RefName(a), name_b = RefName(b);
              return std::make_tuple(name_a.empty(), name_a, a.digest) <
                     std::make_tuple(name_b.empty(), name_b, b.digest);
            });
}

[[noreturn]] void FailNotFound(const std::vector<StoreImage>& images, const std::string& text,
                               const std::string& root) {
  std::vector<std::string> names;
  for (const StoreImage& image : images) {
    if (!image.name.empty()) names.push_back(image.name);
  }
  if (names.empty()) Fail("no image \"{}\" in store {}: it holds no named images", text, root);
  bool more = names.size() > kMaxListedNames;
  names.resize(std::min(names.size(), kMaxListedNames));
  Fail("no image \"{}\" in store {}; it holds {}{}", text, root, fmt::join(names, ", "),
       more ? ", ..." : "");
}

// The image whose digest starts with `text` ("sha256:ab12" or "ab12").
Descriptor ResolveDigestPrefix(const std::vector<StoreImage>& images, const std::string& text,
                               const std::string& root) {
  std::string algorithm;
  std::string hex = text;
  if (size_t colon = text.find(':'); colon != std::string::npos) {
    algorithm = text.substr(0, colon);
    hex = text.substr(colon + 1);
  }
  bool is_hex = !hex.empty() && hex.find_first_not_of("0123456789abcdef") == std::string::npos;
  std::map<Digest, const Descriptor*> matches;
  for (const StoreImage& image : images) {
    const Digest& digest = image.descriptor.digest;
    bool algorithm_ok = algorithm.empty() || algorithm == digest.algorithm_name();
    if (is_hex && algorithm_ok && digest.hex().starts_with(hex)) {
      matches.emplace(digest, &image.descriptor);
    }
  }
  if (matches.size() == 1) return *matches.begin()->second;
  if (matches.empty()) FailNotFound(images, text, root);
  std::vector<std::string> digests;
  for (const auto& [digest, descriptor] : matches) digests.push_back(digest.ToString());
  Fail("\"{}\" is ambiguous in store {}: it prefixes {}; give more digits", text, root,
       fmt::join(digests, ", "));
}

}  // namespace

StoreRootEnvironment StoreRootEnvironment::Current() {
  StoreRootEnvironment env;
  const char* root = std::getenv("IMGBUILD_ROOT");
  env.imgbuild_root = root != nullptr ? root : "";
  env.uid = ::geteuid();
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') {
    env.home = home;
  } else if (const passwd* entry = ::getpwuid(env.uid);
             entry != nullptr && entry->pw_dir != nullptr) {
    env.home = entry->pw_dir;
  }
  return env;
}

std::string ResolveStoreRoot(std::string_view flag, const StoreRootEnvironment& env) {
  if (!flag.empty()) return AbsolutePath(std::string(flag));
  if (!env.imgbuild_root.empty()) return AbsolutePath(env.imgbuild_root);
  if (env.uid == 0) return "/var/lib/imgbuild";
  if (env.home.empty()) {
    Fail("cannot place the image store: no home directory; pass --root or set IMGBUILD_ROOT");
  }
  return AbsolutePath(env.home + "/.local/share/imgbuild");
}

Store::Store(const std::string& root) : root_(AbsolutePath(root)) {
  if (!IsInitialised()) Initialise();
  CheckLayoutFile();
}

void Store::CheckLayoutFile() const {
  std::string path = root_ + "/oci-layout";
  nlohmann::json layout = ParseJsonDocument(ReadFileToString(path, 64 << 10), path);
  std::string version = JsonObjectReader(layout, path).String("imageLayoutVersion");
  if (version != kLayoutVersion) {
    Fail("{}: imageLayoutVersion \"{}\" is not supported (imgbuild reads {})", path, version,
         kLayoutVersion);
  }
}

bool Store::IsInitialised() const {
  return Exists(root_ + "/oci-layout") && Exists(IndexPath()) && Exists(root_ + "/blobs/sha256") &&
         Exists(TempFilesDir());
}

void Store::Initialise() const {
  CreateDirectories(TempFilesDir());
  FileLock lock = Lock(FileLock::Mode::kExclusive);
  CreateDirectories(root_ + "/blobs/sha256");
  if (!Exists(root_ + "/oci-layout")) {
    WriteFileAtomically(root_ + "/oci-layout",
                        DumpCanonicalJson({{"imageLayoutVersion", std::string(kLayoutVersion)}}),
                        TempFilesDir());
  }
  if (!Exists(IndexPath())) WriteFileAtomically(IndexPath(), Serialize(Index{}), TempFilesDir());
}

FileLock Store::Lock(FileLock::Mode mode) const {
  return FileLock::Acquire(MetadataDir() + "/lock", mode);
}

std::string Store::BlobPath(const Digest& digest) const {
  return root_ + "/" + LayoutBlobPath(digest);
}

bool Store::HasBlob(const Digest& digest) const {
  return IsRegularFile(BlobPath(digest));
}

int64_t Store::BlobSize(const Digest& digest) const {
  struct stat info {};
  if (::stat(BlobPath(digest).c_str(), &info) != 0) {
    if (errno == ENOENT) Fail("blob {} not found in store {}", digest.ToString(), root_);
    FailErrno("stat " + BlobPath(digest));
  }
  return static_cast<int64_t>(info.st_size);
}

UniqueFd Store::OpenBlob(const Digest& digest) const {
  int fd = ::open(BlobPath(digest).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) Fail("blob {} not found in store {}", digest.ToString(), root_);
    FailErrno("open " + BlobPath(digest));
  }
  return UniqueFd(fd);
}

BlobWriter Store::NewBlob(DigestAlgorithm algorithm) const {
  // The shared lock keeps Prune from taking the new, not yet flocked, temp
  // file for a crashed writer's leftover.
  FileLock lock = Lock(FileLock::Mode::kShared);
  return BlobWriter(TempFilesDir(), root_ + "/blobs", algorithm);
}

Digest Store::PutBlob(std::string_view bytes) const {
  BlobWriter writer = NewBlob();
  writer.Write(bytes.data(), bytes.size());
  return writer.Commit();
}

Descriptor Store::PutManifest(const Manifest& manifest) const {
  std::string bytes = Serialize(manifest);
  PutBlob(bytes);
  return DescribeBytes(
      manifest.media_type.empty() ? media_types::kOciManifest : manifest.media_type, bytes);
}

Descriptor Store::PutIndex(const Index& index) const {
  std::string bytes = Serialize(index);
  PutBlob(bytes);
  return DescribeBytes(index.media_type.empty() ? media_types::kOciIndex : index.media_type, bytes);
}

Descriptor Store::PutConfig(const ImageConfig& config) const {
  std::string bytes = Serialize(config);
  PutBlob(bytes);
  return DescribeBytes(media_types::kOciConfig, bytes);
}

std::string Store::ReadBlob(const Digest& digest, size_t max_size) const {
  if (!HasBlob(digest)) Fail("blob {} not found in store {}", digest.ToString(), root_);
  std::string bytes = ReadFileToString(BlobPath(digest), max_size);
  Hasher hasher(digest.algorithm());
  hasher.Update(bytes);
  Digest actual = hasher.Finish();
  if (actual != digest) {
    Fail("blob {} in store {} is corrupt: its content hashes to {}; check the store with fsck",
         digest.ToString(), root_, actual.ToString());
  }
  return bytes;
}

std::string Store::ReadBlob(const Descriptor& descriptor) const {
  if (descriptor.size > static_cast<int64_t>(kMaxJsonBlobSize)) {
    Fail("blob {} is {} bytes, more than the {} bytes imgbuild reads into memory",
         descriptor.digest.ToString(), descriptor.size, kMaxJsonBlobSize);
  }
  std::string bytes = ReadBlob(descriptor.digest, kMaxJsonBlobSize);
  if (static_cast<int64_t>(bytes.size()) != descriptor.size) {
    Fail("blob {} is {} bytes but its descriptor says {}", descriptor.digest.ToString(),
         bytes.size(), descriptor.size);
  }
  return bytes;
}

Manifest Store::ReadManifest(const Descriptor& descriptor) const {
  return ParseManifest(ReadBlob(descriptor), "manifest " + descriptor.digest.ToString());
}

Index Store::ReadIndex(const Descriptor& descriptor) const {
  return ParseIndex(ReadBlob(descriptor), "index " + descriptor.digest.ToString());
}

ImageConfig Store::ReadConfig(const Descriptor& descriptor) const {
  return ParseImageConfig(ReadBlob(descriptor), "config " + descriptor.digest.ToString());
}

BlobScan Store::ScanBlobs() const {
  BlobScan scan;
  std::string blobs = root_ + "/blobs";
  for (const std::string& algorithm : ListDirectorySorted(blobs)) {
    std::string dir = blobs + "/" + algorithm;
    if (algorithm != "sha256" && algorithm != "sha512") {
      scan.strays.push_back(dir);
      continue;
    }
    for (const std::string& name : ListDirectorySorted(dir)) {
      std::string text = algorithm + ":" + name;
      if (Digest::IsValid(text) && IsRegularFile(dir + "/" + name)) {
        scan.blobs.push_back(Digest::Parse(text));
      } else {
        scan.strays.push_back(dir + "/" + name);
      }
    }
  }
  return scan;
}

std::vector<std::string> Store::ListTempFiles() const {
  std::vector<std::string> paths;
  for (const std::string& name : ListDirectorySorted(TempFilesDir())) {
    paths.push_back(TempFilesDir() + "/" + name);
  }
  return paths;
}

Index Store::ReadIndexJson() const {
  return ParseIndex(ReadFileToString(IndexPath(), kMaxIndexJsonSize), IndexPath());
}

void Store::UpdateIndexJson(const std::function<bool(Index&)>& change) const {
  FileLock lock = Lock(FileLock::Mode::kExclusive);
  Index index = ReadIndexJson();
  if (!change(index)) return;
  SortEntries(index);
  WriteFileAtomically(IndexPath(), Serialize(index), TempFilesDir());
}

void Store::CheckComplete(const Descriptor& target, std::string_view name) const {
  Reachability reachability = WalkReferences(*this, {target});
  if (reachability.problems.empty()) return;
  Fail("cannot tag {} in store {}: {}", name, root_, reachability.problems.front().detail);
}

void Store::Tag(std::string_view name, const Descriptor& target) const {
  ImageName image = ImageName::Parse(name);
  std::string normalized = image.ToString();
  if (!IsManifestMediaType(target.media_type) && !IsIndexMediaType(target.media_type)) {
    Fail("cannot tag {}: {} has media type \"{}\", not a manifest or index", normalized,
         target.digest.ToString(), target.media_type);
  }
  Descriptor entry = target;
  entry.annotations[std::string(annotations::kRefName)] = normalized;
  entry.annotations[std::string(annotations::kContainerdImageName)] = image.FullyQualified();
  CheckComplete(entry, normalized);
  UpdateIndexJson([&](Index& index) {
    std::erase_if(index.manifests, [&](const Descriptor& d) { return RefName(d) == normalized; });
    index.manifests.push_back(entry);
    return true;
  });
}

bool Store::Untag(std::string_view name) const {
  // An invalid name can still match an entry another tool wrote.
  std::set<std::string> names = {std::string(name)};
  if (std::optional<ImageName> image = ImageName::TryParse(name)) names.insert(image->ToString());
  bool removed = false;
  UpdateIndexJson([&](Index& index) {
    removed = std::erase_if(index.manifests,
                            [&](const Descriptor& d) { return names.contains(RefName(d)); }) > 0;
    return removed;
  });
  return removed;
}

void Store::AddUnnamed(const Descriptor& target) const {
  if (!IsManifestMediaType(target.media_type) && !IsIndexMediaType(target.media_type)) {
    Fail("cannot add {} to store {}: media type \"{}\" is not a manifest or index",
         target.digest.ToString(), root_, target.media_type);
  }
  Descriptor entry = target;
  entry.annotations.erase(std::string(annotations::kRefName));
  entry.annotations.erase(std::string(annotations::kContainerdImageName));
  CheckComplete(entry, "an unnamed entry for " + target.digest.ToString());
  UpdateIndexJson([&](Index& index) {
    for (const Descriptor& existing : index.manifests) {
      if (existing.digest == target.digest) return false;
    }
    index.manifests.push_back(entry);
    return true;
  });
}

bool Store::RemoveUnnamed(const Digest& digest) const {
  bool removed = false;
  UpdateIndexJson([&](Index& index) {
    removed = std::erase_if(index.manifests, [&](const Descriptor& d) {
                return d.digest == digest && RefName(d).empty();
              }) > 0;
    return removed;
  });
  return removed;
}

std::vector<StoreImage> Store::List() const {
  std::vector<StoreImage> images;
  for (Descriptor& descriptor : ReadIndexJson().manifests) {
    std::string name = RefName(descriptor);
    images.push_back({std::move(name), std::move(descriptor)});
  }
  return images;
}

Descriptor Store::Resolve(std::string_view name_or_digest) const {
  std::vector<StoreImage> images = List();
  std::string text(name_or_digest);
  auto find = [&](auto&& matches) -> const StoreImage* {
    for (const StoreImage& image : images) {
      if (matches(image)) return &image;
    }
    return nullptr;
  };
  const StoreImage* found = find([&](const StoreImage& image) { return image.name == text; });
  std::optional<ImageName> wanted = ImageName::TryParse(text);
  if (found == nullptr && wanted) {
    found = find([&](const StoreImage& image) { return image.name == wanted->ToString(); });
  }
  if (found == nullptr && wanted) {
    found = find([&](const StoreImage& image) {
      std::optional<ImageName> stored = ImageName::TryParse(image.name);
      return stored && stored->FullyQualified() == wanted->FullyQualified();
    });
  }
  if (found != nullptr) return found->descriptor;
  return ResolveDigestPrefix(images, text, root_);
}

void Store::WriteMetadata(const std::string& path, std::string_view bytes,
                          Durability durability) const {
  FileLock lock = Lock(FileLock::Mode::kExclusive);
  WriteMetadata(path, bytes, lock, durability);
}

void Store::WriteMetadata(const std::string& path, std::string_view bytes,
                          const FileLock& /*held*/, Durability durability) const {
  if (!path.starts_with(MetadataDir() + "/")) {
    Fail("refusing to write {}: store metadata belongs under {}", path, MetadataDir());
  }
  CreateDirectories(ParentDirectory(path));
  WriteFileAtomically(path, bytes, TempFilesDir(), 0644, durability);
}

}  // namespace imgbuild::layers
