#include "layers/snapshot_gc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "util/atomic_file.h"
#include "util/dir.h"
#include "util/error.h"
#include "util/file_lock.h"
#include "util/split.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

constexpr size_t kMaxLeaseSize = 16 << 20;

// The chain IDs in a live lease file; none when it vanished meanwhile (its
// build ended). A line being appended is never seen: leases grow under the
// store lock the caller holds.
std::set<Digest> ReadLease(const std::string& path) {
  std::set<Digest> chains;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return chains;
    FailErrno("open lease " + path);
  }
  UniqueFd owned(fd);
  std::string text;
  char buffer[64 << 10];
  while (size_t got = ReadSome(fd, buffer, sizeof(buffer), path)) {
    text.append(buffer, got);
    if (text.size() > kMaxLeaseSize) Fail("lease {} is larger than {} bytes", path, kMaxLeaseSize);
  }
  for (const std::string& line : Split(text, '\n')) {
    if (Digest::IsValid(line)) chains.insert(Digest::Parse(line));
  }
  return chains;
}

// Chains named by live leases; expired lease files go to `expired`.
std::set<Digest> ReadLeases(const Snapshots& snapshots, std::vector<std::string>& expired) {
  std::set<Digest> leased;
  for (const std::string& name : ListDirectorySorted(snapshots.leases_dir())) {
    std::string path = snapshots.leases_dir() + "/" + name;
    if (IsAbandonedTempFile(path)) {
      expired.push_back(path);
      continue;
    }
    leased.merge(ReadLease(path));
  }
  return leased;
}

void ClassifySnapshot(const Snapshots& snapshots, const std::string& name,
                      const std::set<Digest>& image_chains, const std::set<Digest>& leased,
                      SnapshotScan& scan) {
  std::string dir = snapshots.root() + "/" + name;
  std::string text = "sha256:" + name;
  if (!Digest::IsValid(text)) {
    scan.broken.push_back({dir, "not named by the hex of a sha256 chain ID", false});
    return;
  }
  Digest chain = Digest::Parse(text);
  SnapshotState state = snapshots.Inspect(chain);
  bool is_leased = leased.contains(chain);
  if (state.kind == SnapshotState::Kind::kMissing) return;  // Removed meanwhile.
  if (state.kind == SnapshotState::Kind::kBroken) {
    scan.broken.push_back({dir, state.problem, is_leased, state.stale});
  } else if (is_leased || image_chains.contains(chain)) {
    ++scan.in_use;
  } else {
    scan.unused.push_back(*state.info);
  }
}

// Renames `dir` into the work area first, so that a crash half-way leaves an
// abandoned work directory, never a half-deleted snapshot.
void RemoveSnapshotDir(const Snapshots& snapshots, const std::string& dir) {
  if (::mkdir(snapshots.work_root().c_str(), 0700) != 0 && errno != EEXIST) {
    FailErrno("create " + snapshots.work_root());
  }
  TempDir trash("r-", snapshots.work_root());
  if (::rename(dir.c_str(), (trash.path() + "/old").c_str()) != 0 && errno != ENOENT) {
    FailErrno("move snapshot " + dir + " to " + trash.path());
  }
  RemoveAll(trash.Release());
}

void RemoveFreeLocks(const Snapshots& snapshots) {
  for (const std::string& name : ListDirectorySorted(snapshots.locks_root())) {
    struct stat info {};
    if (::lstat((snapshots.root() + "/" + name).c_str(), &info) == 0) continue;
    std::string path = snapshots.locks_root() + "/" + name;
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    UniqueFd owned(fd);
    // Unlinked while locked: a waiter notices the name is gone and retries.
    if (FileLock::TryLockFd(fd, FileLock::Mode::kExclusive, path)) ::unlink(path.c_str());
  }
}

}  // namespace

SnapshotScan ScanSnapshots(const Snapshots& snapshots, const std::set<Digest>& image_chains) {
  SnapshotScan scan;
  std::set<Digest> leased = ReadLeases(snapshots, scan.expired_leases);
  for (const std::string& name : snapshots.ListNames()) {
    ClassifySnapshot(snapshots, name, image_chains, leased, scan);
  }
  for (const std::string& name : ListDirectorySorted(snapshots.work_root())) {
    std::string path = snapshots.work_root() + "/" + name;
    if (IsAbandonedTempFile(path)) scan.abandoned_work_dirs.push_back(path);
  }
  return scan;
}

void RemoveSnapshotGarbage(const Snapshots& snapshots, const SnapshotScan& scan) {
  for (const std::string& lease : scan.expired_leases) {
    if (::unlink(lease.c_str()) != 0 && errno != ENOENT) FailErrno("remove lease " + lease);
  }
  for (const std::string& dir : scan.abandoned_work_dirs) RemoveAll(dir);
  bool removed = false;
  for (const SnapshotInfo& snapshot : scan.unused) {
    RemoveSnapshotDir(snapshots, snapshots.DirOf(snapshot.record.chain_id));
    removed = true;
  }
  for (const BrokenSnapshot& broken : scan.broken) {
    if (broken.leased) continue;
    RemoveSnapshotDir(snapshots, broken.dir);
    removed = true;
  }
  RemoveFreeLocks(snapshots);
  if (removed) SyncDirectory(snapshots.root());
}

}  // namespace imgbuild::layers
