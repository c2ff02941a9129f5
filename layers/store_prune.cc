#include "layers/store_prune.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <optional>
#include <set>

#include "layers/snapshot_gc.h"
#include "layers/store.h"
#include "layers/store_walk.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/human_size.h"

namespace imgbuild::layers {
namespace {

// Size and age of a file; nullopt when it vanished.
struct FileInfo {
  int64_t size;
  std::chrono::seconds age;
};

std::optional<FileInfo> Inspect(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return std::nullopt;
    FailErrno("stat " + path);
  }
  std::chrono::seconds age(std::time(nullptr) - info.st_mtime);
  return FileInfo{static_cast<int64_t>(info.st_size), age};
}

void Remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) FailErrno("remove " + path);
}

bool IsUnnamed(const Descriptor& entry) {
  return !entry.annotations.contains(std::string(annotations::kRefName));
}

// The unnamed entries prune may drop: those whose manifest is older than
// the grace period (a build in another process may have just added one).
std::vector<Digest> DroppableUnnamedImages(const Store& store, const PruneOptions& options) {
  std::set<Digest> droppable;
  for (const Descriptor& entry : store.ReadIndexJson().manifests) {
    if (!IsUnnamed(entry)) continue;
    std::optional<FileInfo> info = Inspect(store.BlobPath(entry.digest));
    if (info && options.grace_period.count() > 0 && info->age < options.grace_period) continue;
    droppable.insert(entry.digest);
  }
  return {droppable.begin(), droppable.end()};
}

// index.json's entries but the `dropped` unnamed ones (still there in a
// dry run), and `options.extra_roots`.
std::vector<Descriptor> Roots(const Store& store, const PruneOptions& options,
                              const std::vector<Digest>& dropped) {
  std::vector<Descriptor> roots;
  for (Descriptor& entry : store.ReadIndexJson().manifests) {
    bool gone = IsUnnamed(entry) &&
                std::find(dropped.begin(), dropped.end(), entry.digest) != dropped.end();
    if (!gone) roots.push_back(std::move(entry));
  }
  roots.insert(roots.end(), options.extra_roots.begin(), options.extra_roots.end());
  return roots;
}

void CheckWalkable(const Reachability& reachability, const Store& store) {
  for (const ReferenceProblem& problem : reachability.problems) {
    if (problem.hides_references) {
      Fail("prune of store {} stopped, nothing was removed: {}; untag the image or restore it",
           store.root(), problem.detail);
    }
  }
}

void PruneBlobs(const Store& store, const PruneOptions& options, const Reachability& reachable,
                PruneReport& report) {
  std::set<std::string> touched_dirs;
  for (const Digest& digest : store.ScanBlobs().blobs) {
    if (reachable.digests.contains(digest)) continue;
    std::string path = store.BlobPath(digest);
    std::optional<FileInfo> info = Inspect(path);
    if (!info) continue;
    // Compared only when asked: coarse clocks can make a new file's age -1 s.
    if (options.grace_period.count() > 0 && info->age < options.grace_period) continue;
    if (!options.dry_run) Remove(path);
    touched_dirs.insert(ParentDirectory(path));
    report.removed_blobs.push_back(digest);
    report.bytes_freed += info->size;
  }
  if (options.dry_run) return;
  for (const std::string& dir : touched_dirs) SyncDirectory(dir);
}

void PruneTempFiles(const Store& store, const PruneOptions& options, PruneReport& report) {
  for (const std::string& path : store.ListTempFiles()) {
    if (!IsAbandonedTempFile(path)) continue;
    std::optional<FileInfo> info = Inspect(path);
    if (!info) continue;
    if (!options.dry_run) Remove(path);
    report.removed_temp_files.push_back(path);
    report.bytes_freed += info->size;
  }
}

void PruneSnapshots(const Store& store, const PruneOptions& options,
                    const std::set<Digest>& image_chains, PruneReport& report) {
  Snapshots snapshots(store);
  SnapshotScan scan = ScanSnapshots(snapshots, image_chains);
  if (!options.dry_run) RemoveSnapshotGarbage(snapshots, scan);
  for (const SnapshotInfo& snapshot : scan.unused) {
    report.removed_snapshots.push_back(snapshots.DirOf(snapshot.record.chain_id));
    report.bytes_freed += static_cast<int64_t>(snapshot.record.size);
  }
  for (const BrokenSnapshot& broken : scan.broken) {
    if (!broken.leased) report.removed_snapshots.push_back(broken.dir);
  }
  std::sort(report.removed_snapshots.begin(), report.removed_snapshots.end());
  for (const auto* paths : {&scan.abandoned_work_dirs, &scan.expired_leases}) {
    report.removed_temp_files.insert(report.removed_temp_files.end(), paths->begin(),
                                     paths->end());
  }
}

std::string Plural(size_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

}  // namespace

PruneReport Prune(const Store& store, const PruneOptions& options) {
  PruneReport report;
  report.dry_run = options.dry_run;
  if (options.unnamed_images) {
    report.removed_images = DroppableUnnamedImages(store, options);
    // Before the lock below: RemoveUnnamed takes it itself.
    if (!options.dry_run) {
      for (const Digest& digest : report.removed_images) store.RemoveUnnamed(digest);
    }
  }
  FileLock lock = store.Lock(FileLock::Mode::kExclusive);
  Reachability reachable = WalkReferences(store, Roots(store, options, report.removed_images));
  CheckWalkable(reachable, store);
  PruneBlobs(store, options, reachable, report);
  PruneTempFiles(store, options, report);
  PruneSnapshots(store, options, reachable.chain_ids, report);
  return report;
}

std::string PruneReport::Summary() const {
  std::string images;
  if (!removed_images.empty()) images = Plural(removed_images.size(), "unnamed image") + ", ";
  std::string snapshots;
  if (!removed_snapshots.empty()) snapshots = ", " + Plural(removed_snapshots.size(), "snapshot");
  return fmt::format("{} {}{}{} and {}, {} {}", dry_run ? "would remove" : "removed", images,
                     Plural(removed_blobs.size(), "blob"), snapshots,
                     Plural(removed_temp_files.size(), "temporary file"),
                     dry_run ? "would free" : "freed", HumanSize(bytes_freed));
}

}  // namespace imgbuild::layers
