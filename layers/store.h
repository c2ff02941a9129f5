// The content-addressed store. Its root directory IS an OCI image layout
// (oci-layout, index.json, blobs/<alg>/<hex>), so skopeo (oci:ROOT:NAME),
// umoci (--image ROOT:NAME) and other OCI tools read it directly.
// imgbuild's own bookkeeping lives under ROOT/.imgbuild/: `lock` (the store
// lock), `tmp/` (temporary files), and later snapshots and cache records.
//
// Concurrency: any number of threads and processes may share a store.
// Blobs are published by atomic rename; index.json and metadata are
// replaced atomically while holding an exclusive flock on .imgbuild/lock.
// Readers need no lock. Temporary files are created under the shared lock
// and stay flocked by their writer, so Prune (exclusive lock) removes only
// those whose writer died.
#ifndef IMGBUILD_LAYERS_STORE_H_
#define IMGBUILD_LAYERS_STORE_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/blob_writer.h"
#include "layers/digest.h"
#include "layers/oci.h"
#include "util/atomic_file.h"
#include "util/fd.h"
#include "util/file_lock.h"

namespace imgbuild::layers {

/// What ResolveStoreRoot looks at besides the flag.
struct StoreRootEnvironment {
  std::string imgbuild_root;  // $IMGBUILD_ROOT
  uid_t uid = 0;              // effective uid
  std::string home;           // $HOME, else the passwd entry

  /// The environment of this process.
  static StoreRootEnvironment Current();
};

/// The store root: `flag` (--root) when non-empty, else $IMGBUILD_ROOT,
/// else /var/lib/imgbuild for uid 0, else ~/.local/share/imgbuild. Returned
/// as an absolute path. Throws Error when no home directory is known.
std::string ResolveStoreRoot(std::string_view flag,
                             const StoreRootEnvironment& env = StoreRootEnvironment::Current());

/// A named image: an index.json entry.
struct StoreImage {
  std::string name;  // org.opencontainers.image.ref.name; "" for an untagged entry
  Descriptor descriptor;
};

/// What ScanBlobs found under blobs/.
struct BlobScan {
  std::vector<Digest> blobs;        // sorted
  std::vector<std::string> strays;  // paths that are not <alg>/<valid hex> regular files
};

class Store {
 public:
  /// Largest manifest, index or config the store reads into memory.
  static constexpr size_t kMaxJsonBlobSize = 8 << 20;

  /// Opens the store at `root`, creating what is missing (directories,
  /// oci-layout, an empty index.json); an existing OCI layout is adopted.
  /// Throws Error naming the path when it cannot be created or the layout
  /// version is not 1.0.0.
  explicit Store(const std::string& root);

  const std::string& root() const { return root_; }
  /// Throws Error unless ROOT/oci-layout is valid and declares version 1.0.0.
  void CheckLayoutFile() const;
  std::string IndexPath() const { return root_ + "/index.json"; }
  /// ROOT/.imgbuild: home of imgbuild's own records.
  std::string MetadataDir() const { return root_ + "/.imgbuild"; }
  /// ROOT/.imgbuild/tmp: temporary files (same filesystem as the blobs).
  std::string TempFilesDir() const { return MetadataDir() + "/tmp"; }

  /// Takes the store lock (.imgbuild/lock). Exclusive for read-modify-write
  /// of index.json or metadata; shared to keep Prune away. Never take it
  /// twice in one thread: it is not re-entrant.
  FileLock Lock(FileLock::Mode mode) const;

  // --- Blobs -------------------------------------------------------------

  /// ROOT/blobs/<alg>/<hex>, whether or not it exists.
  std::string BlobPath(const Digest& digest) const;
  /// Whether the blob is present (a regular file under its name).
  bool HasBlob(const Digest& digest) const;
  /// The blob's size in bytes. Throws Error when it is missing.
  int64_t BlobSize(const Digest& digest) const;
  /// Opens the blob read-only. Throws Error when it is missing.
  UniqueFd OpenBlob(const Digest& digest) const;
  /// Starts writing a blob hashed with `algorithm`.
  BlobWriter NewBlob(DigestAlgorithm algorithm = DigestAlgorithm::kSha256) const;
  /// Writes `bytes` as a blob and returns its sha256 digest.
  Digest PutBlob(std::string_view bytes) const;
  /// Serialise and store a document; return its descriptor, whose media
  /// type is the document's own (an OCI one when empty; configs are OCI).
  Descriptor PutManifest(const Manifest& manifest) const;
  Descriptor PutIndex(const Index& index) const;
  Descriptor PutConfig(const ImageConfig& config) const;

  /// Reads a blob of at most `max_size` bytes and checks that it hashes to
  /// its digest. Throws Error when it is missing, too big or corrupt.
  std::string ReadBlob(const Digest& digest, size_t max_size = kMaxJsonBlobSize) const;
  /// Like ReadBlob, also checking the descriptor's size.
  std::string ReadBlob(const Descriptor& descriptor) const;
  /// Read, verify and parse a document; errors name its digest.
  Manifest ReadManifest(const Descriptor& descriptor) const;
  Index ReadIndex(const Descriptor& descriptor) const;
  ImageConfig ReadConfig(const Descriptor& descriptor) const;

  /// Every blob under blobs/ (not verified) and every stray file there.
  BlobScan ScanBlobs() const;
  /// Paths of the files in .imgbuild/tmp, sorted.
  std::vector<std::string> ListTempFiles() const;

  // --- Names ---------------------------------------------------------------

  /// Names `target` (a manifest or index already in the store, with every
  /// blob it references) `name`, normalised by ImageName ("app" ->
  /// "app:latest"); an entry with the same name is replaced. The entry
  /// carries org.opencontainers.image.ref.name = the normalised name and
  /// io.containerd.image.name = its fully qualified form. Throws Error for
  /// an invalid name, a wrong media type or a missing blob.
  void Tag(std::string_view name, const Descriptor& target) const;
  /// Removes the entries named `name` as written or normalised (an entry
  /// another tool named "v1" is removed by "v1"); returns false when there
  /// was none.
  bool Untag(std::string_view name) const;
  /// Adds an unnamed index.json entry for `target` (a manifest or index
  /// already in the store, with every blob it references) unless an entry
  /// of that digest exists, so that an image built without a name can be
  /// found by its digest and Prune keeps it. Throws Error like Tag.
  void AddUnnamed(const Descriptor& target) const;
  /// Removes the unnamed entries of `digest`; returns false when there was
  /// none.
  bool RemoveUnnamed(const Digest& digest) const;
  /// The descriptor of the image named `name_or_digest`: a name as tagged,
  /// its normalised or fully qualified form, or a unique prefix of a stored
  /// image's digest ("sha256:ab12", "ab12"). Throws Error when nothing or
  /// more than one image matches.
  Descriptor Resolve(std::string_view name_or_digest) const;
  /// The entries of index.json, in file order (sorted by name).
  std::vector<StoreImage> List() const;
  /// Reads and parses index.json. Throws Error naming the file.
  Index ReadIndexJson() const;

  // --- Metadata ----------------------------------------------------------

  /// Replaces `path` (under MetadataDir()) with `bytes` atomically (and
  /// durably unless told otherwise), taking the exclusive store lock.
  void WriteMetadata(const std::string& path, std::string_view bytes,
                     Durability durability = Durability::kDurable) const;
  /// Same, for a caller that already holds the store lock (`held`).
  void WriteMetadata(const std::string& path, std::string_view bytes, const FileLock& held,
                     Durability durability = Durability::kDurable) const;

 private:
  void Initialise() const;
  bool IsInitialised() const;
  // Applies `change` to index.json under the exclusive lock and, when it
  // returns true, writes the result back sorted by name.
  void UpdateIndexJson(const std::function<bool(Index&)>& change) const;
  // Throws unless `target` and every blob it references are present.
  void CheckComplete(const Descriptor& target, std::string_view name) const;

  std::string root_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_STORE_H_
