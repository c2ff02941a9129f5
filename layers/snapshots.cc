#include "layers/snapshots.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "layers/chain_id.h"
#include "layers/store.h"
#include "layers/tar_apply.h"
#include "util/boot_id.h"
#include "util/dir.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

constexpr std::string_view kRecordName = "snapshot.json";
constexpr size_t kMaxRecordSize = 64 << 10;

bool IsDirectory(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// mkdir with exactly `mode`, whatever the umask.
void MakeDirectory(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), 0700) != 0) FailErrno("create directory " + path);
  if (::chmod(path.c_str(), mode) != 0) FailErrno("chmod " + path);
}

void Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) FailErrno("rename " + from + " to " + to);
}

// Flushes everything written to the filesystem holding `fd`: one call for a
// whole tree instead of an fsync per file.
void SyncFilesystem(int fd, const std::string& what) {
  if (::syncfs(fd) != 0) FailErrno("syncfs " + what);
}

// Holds the creation lock of one chain. The lock file may be removed by
// Prune while nobody holds it, so after locking, check that the locked file
// is still the one under the name; retry otherwise.
UniqueFd LockChain(const std::string& path) {
  while (true) {
    UniqueFd fd = OpenOrThrow(path, O_RDWR | O_CREAT, 0600);
    while (::flock(fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) FailErrno("lock " + path);
    }
    struct stat locked {}, named {};
    if (::fstat(fd.get(), &locked) != 0) FailErrno("stat " + path);
    if (::stat(path.c_str(), &named) != 0) {
      if (errno == ENOENT) continue;
      FailErrno("stat " + path);
    }
    if (named.st_ino == locked.st_ino && named.st_dev == locked.st_dev) return fd;
  }
}

}  // namespace

void SnapshotLease::Add(const Digest& chain_id) {
  if (!chain_ids_.insert(chain_id).second) return;
  std::string line = chain_id.ToString() + "\n";
  WriteAll(file_.fd(), line.data(), line.size(), file_.path());
}

Snapshots::Snapshots(const Store& store) : Snapshots(store, CurrentBootId()) {}

Snapshots::Snapshots(const Store& store, std::string boot_id)
    : store_(store),
      root_(store.MetadataDir() + "/snapshots"),
      leases_dir_(store.MetadataDir() + "/leases"),
      boot_id_(std::move(boot_id)) {}

std::string Snapshots::DirOf(const Digest& chain_id) const {
  return root_ + "/" + chain_id.hex();
}

void Snapshots::CreateDirectories() const {
  for (const std::string& dir : {root_, work_root(), locks_root(), leases_dir_}) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) Fail("create snapshot directory {}: {}", dir, error.message());
  }
}

SnapshotLease Snapshots::NewLease() const {
  CreateDirectories();
  FileLock held = store_.Lock(FileLock::Mode::kShared);
  return SnapshotLease(TempFile(leases_dir_, "lease-"));
}

SnapshotWorkDir Snapshots::NewWorkDir() const {
  CreateDirectories();
  FileLock held = store_.Lock(FileLock::Mode::kShared);
  SnapshotWorkDir work = NewWorkDir(held);
  // The upper root becomes the container's "/": it must not be 0700.
  MakeDirectory(work.upper(), 0755);
  MakeDirectory(work.work(), 0700);
  return work;
}

SnapshotWorkDir Snapshots::NewWorkDir(const FileLock& /*held*/) const {
  TempDir dir("w-", work_root());
  UniqueFd fd = OpenOrThrow(dir.path(), O_RDONLY | O_DIRECTORY);
  if (!FileLock::TryLockFd(fd.get(), FileLock::Mode::kExclusive, dir.path())) {
    Fail("lock work directory {}: unexpectedly held by another process", dir.path());
  }
  return SnapshotWorkDir(std::move(fd), std::move(dir));
}

SnapshotWorkDir Snapshots::EmptyWorkDir() const {
  FileLock held = store_.Lock(FileLock::Mode::kShared);
  return NewWorkDir(held);
}

void Snapshots::Lease(SnapshotLease& lease, const std::vector<Digest>& chains) const {
  FileLock held = store_.Lock(FileLock::Mode::kShared);
  for (const Digest& chain : chains) lease.Add(chain);
}

SnapshotState Snapshots::Inspect(const Digest& chain_id) const {
  std::string dir = DirOf(chain_id);
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0) {
    if (errno == ENOENT) return {};
    FailErrno("stat " + dir);
  }
  auto broken = [](std::string problem) {
    return SnapshotState{SnapshotState::Kind::kBroken, std::nullopt, std::move(problem)};
  };
  if (!S_ISDIR(info.st_mode)) return broken(dir + " is not a directory");
  std::string record_path = dir + "/" + std::string(kRecordName);
  std::optional<SnapshotRecord> record;
  try {
    record = ParseSnapshotRecord(ReadFileToString(record_path, kMaxRecordSize), record_path);
  } catch (const Error& e) {
    return broken(e.what());
  }
  if (record->chain_id != chain_id) {
    return broken(fmt::format("{} names chain {}, not its directory's", record_path,
                              record->chain_id.ToString()));
  }
  std::string tree = TreeOf(chain_id);
  if (!IsDirectory(tree)) return broken(tree + " is missing or not a directory");
  if (record->unsynced_boot && (boot_id_.empty() || *record->unsynced_boot != boot_id_)) {
    SnapshotState stale = broken(fmt::format(
        "{} was published unflushed during boot {} and the machine has restarted since, so its "
        "tree may be incomplete (it is rebuilt from its layer when needed)",
        dir, *record->unsynced_boot));
    stale.stale = true;
    return stale;
  }
  return {SnapshotState::Kind::kComplete, SnapshotInfo{std::move(*record), tree}, ""};
}

std::vector<std::string> Snapshots::ListNames() const {
  std::vector<std::string> names = ListDirectorySorted(root_);
  std::erase_if(names, [](const std::string& name) { return name.starts_with('.'); });
  return names;
}

SnapshotStack Snapshots::Ensure(const Manifest& manifest, const ImageConfig& config,
                                SnapshotLease& lease) const {
  if (manifest.layers.size() != config.diff_ids.size()) {
    Fail("image has {} layers but its config lists {} diff_ids; the image is corrupt",
         manifest.layers.size(), config.diff_ids.size());
  }
  SnapshotStack stack{ChainIds(config.diff_ids), {}};
  if (stack.chain_ids.empty()) return stack;
  CreateDirectories();
  // Leased before looking: from here on Prune keeps them.
  Lease(lease, stack.chain_ids);
  for (size_t i = 0; i < stack.chain_ids.size(); ++i) {
    const Digest& chain = stack.chain_ids[i];
    if (Inspect(chain).kind == SnapshotState::Kind::kComplete) continue;
    std::optional<Digest> parent;
    if (i > 0) parent = stack.chain_ids[i - 1];
    Create(manifest.layers[i], parent, config.diff_ids[i], chain);
  }
  for (auto chain = stack.chain_ids.rbegin(); chain != stack.chain_ids.rend(); ++chain) {
    stack.lower_dirs.push_back(TreeOf(*chain));
  }
  return stack;
}

void Snapshots::Create(const Descriptor& layer, const std::optional<Digest>& parent,
                       const Digest& diff_id, const Digest& chain_id) const {
  UniqueFd chain_lock = LockChain(locks_root() + "/" + chain_id.hex());
  // Another process may have made it while this one waited for the lock.
  if (CompleteOrCleared(chain_id)) return;
  if (!store_.HasBlob(layer.digest)) {
    Fail("layer {} (diff ID {}) is not in store {}; pull or load the image again",
         layer.digest.ToString(), diff_id.ToString(), store_.root());
  }
  SnapshotWorkDir work = EmptyWorkDir();
  std::string tree = work.path() + "/tree";
  MakeDirectory(tree, 0755);
  ApplyResult applied = ApplyLayerFile(
      store_.BlobPath(layer.digest), tree,
      ApplyOptions{.whiteouts = WhiteoutMode::kOverlay, .expected_diff_id = diff_id});
  Publish(work, SnapshotRecord{chain_id, parent, diff_id, applied.uncompressed_bytes,
                               "layer " + layer.digest.ToString()});
}

SnapshotInfo Snapshots::CommitUpper(SnapshotWorkDir&& work, const std::optional<Digest>& parent,
                                    const Digest& diff_id, uint64_t size,
                                    std::string created_from, SnapshotLease& lease,
                                    BackgroundRemover* remover) const {
  SnapshotWorkDir owned = std::move(work);
  Digest chain = ChainId(parent, diff_id);
  if (!IsDirectory(owned.upper())) {
    Fail("commit snapshot {}: upper directory {} is missing", chain.ToString(), owned.upper());
  }
  Lease(lease, {chain});
  // The rename keeps the inode: the upper directory becomes the tree.
  Rename(owned.upper(), owned.path() + "/tree");
  RemoveSoon(owned.work(), remover);
  UniqueFd chain_lock = LockChain(locks_root() + "/" + chain.hex());
  // The same step may have run elsewhere; its snapshot wins, ours is dropped.
  if (std::optional<SnapshotInfo> existing = CompleteOrCleared(chain)) {
    if (remover != nullptr) remover->Remove(owned.dir_.Release(), std::move(owned.lock_));
    return *existing;
  }
  SnapshotRecord record{chain, parent, diff_id, size, std::move(created_from)};
  if (!boot_id_.empty()) record.unsynced_boot = boot_id_;
  Publish(owned, record);
  return SnapshotInfo{std::move(record), TreeOf(chain)};
}

std::optional<SnapshotInfo> Snapshots::CompleteOrCleared(const Digest& chain_id) const {
  SnapshotState state = Inspect(chain_id);
  if (state.kind == SnapshotState::Kind::kBroken) Discard(chain_id);
  return state.info;
}

void Snapshots::Publish(SnapshotWorkDir& work, const SnapshotRecord& record) const {
  bool durable = !record.unsynced_boot;
  std::string record_path = work.path() + "/" + std::string(kRecordName);
  WriteFileAtomically(record_path, SerializeSnapshotRecord(record), "", 0644,
                      durable ? Durability::kDurable : Durability::kAtomicOnly);
  if (::chmod(work.path().c_str(), 0755) != 0) FailErrno("chmod " + work.path());
  // A durable tree must be on disk before its name is: a crash must not
  // leave a complete-looking snapshot with lost data. An unsynced one is
  // distrusted after a crash of the machine instead (Inspect).
  if (durable) SyncFilesystem(work.lock_.get(), work.path());
  Rename(work.path(), DirOf(record.chain_id));
  work.dir_.Release();
  if (durable) SyncDirectory(root_);
}

void Snapshots::RemoveSoon(const std::string& path, BackgroundRemover* remover) const {
  if (remover == nullptr) return RemoveAll(path);
  SnapshotWorkDir trash = EmptyWorkDir();
  Rename(path, trash.path() + "/old");
  remover->Remove(trash.dir_.Release(), std::move(trash.lock_));
}

void Snapshots::Discard(const Digest& chain_id) const {
  SnapshotWorkDir trash = EmptyWorkDir();
  std::string dir = DirOf(chain_id);
  if (::rename(dir.c_str(), (trash.path() + "/old").c_str()) != 0 && errno != ENOENT) {
    FailErrno("move " + dir + " out of the way");
  }
}

}  // namespace imgbuild::layers
