#include "layers/store_fsck.h"

#include <map>
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

using Kind = FsckIssue::Kind;

void Add(FsckReport& report, Kind kind, std::string subject, std::string detail) {
  report.issues.push_back({kind, std::move(subject), std::move(detail)});
}

void CheckLayoutFile(const Store& store, FsckReport& report) {
  try {
    store.CheckLayoutFile();
  } catch (const Error& e) {
    Add(report, Kind::kBadLayout, store.root() + "/oci-layout", e.what());
  }
}

// Hashes every blob; returns the corrupt ones.
std::set<Digest> VerifyBlobs(const Store& store, const BlobScan& scan, FsckReport& report) {
  std::set<Digest> corrupt;
  for (const Digest& digest : scan.blobs) {
    std::string path = store.BlobPath(digest);
    std::optional<Digest> actual;
    try {
      actual = DigestOfFile(path, digest.algorithm());
      report.bytes_checked += store.BlobSize(digest);
    } catch (const Error&) {
      if (!store.HasBlob(digest)) continue;  // Pruned meanwhile.
      throw;
    }
    ++report.blobs_checked;
    if (*actual == digest) continue;
    corrupt.insert(digest);
    Add(report, Kind::kCorruptBlob, digest.ToString(), "content hashes to " + actual->ToString());
  }
  for (const std::string& stray : scan.strays) {
    Add(report, Kind::kStrayFile, stray,
        "not a blob (expected blobs/<sha256|sha512>/<hex> regular files)");
  }
  return corrupt;
}

std::optional<Index> ReadIndex(const Store& store, FsckReport& report) {
  try {
    return store.ReadIndexJson();
  } catch (const Error& e) {
    Add(report, Kind::kBadLayout, store.IndexPath(), e.what());
    return std::nullopt;
  }
}

void CheckNamesUnique(const Index& index, const std::string& path, FsckReport& report) {
  std::map<std::string, int> counts;
  for (const Descriptor& entry : index.manifests) {
    auto name = entry.annotations.find(std::string(annotations::kRefName));
    if (name != entry.annotations.end()) ++counts[name->second];
  }
  for (const auto& [name, count] : counts) {
    if (count > 1) {
      Add(report, Kind::kBadLayout, path, fmt::format("{} entries are named \"{}\"", count, name));
    }
  }
}

Kind KindOf(ReferenceProblem::Kind kind) {
  switch (kind) {
    case ReferenceProblem::Kind::kMissing: return Kind::kMissingBlob;
    case ReferenceProblem::Kind::kSizeMismatch: return Kind::kSizeMismatch;
    case ReferenceProblem::Kind::kInvalid: break;
  }
  return Kind::kInvalidContent;
}

// Returns what is reachable from the roots, reporting broken references.
Reachability CheckReferences(const Store& store, const std::vector<Descriptor>& roots,
                             const std::set<Digest>& corrupt, FsckReport& report) {
  Reachability reachability = WalkReferences(store, roots);
  for (const ReferenceProblem& problem : reachability.problems) {
    // A corrupt blob is already reported; its failed verification adds nothing.
    if (problem.kind == ReferenceProblem::Kind::kInvalid && corrupt.contains(problem.digest)) {
      continue;
    }
    Add(report, KindOf(problem.kind), problem.digest.ToString(), problem.detail);
  }
  return reachability;
}

void ReportOrphans(const Store& store, const BlobScan& scan, const std::set<Digest>& reachable,
                   FsckReport& report) {
  for (const Digest& digest : scan.blobs) {
    if (reachable.contains(digest) || !store.HasBlob(digest)) continue;
    Add(report, Kind::kOrphanBlob, digest.ToString(),
        fmt::format("{}, referenced by no image (prune removes it)",
                    HumanSize(store.BlobSize(digest))));
  }
}

void ReportStaleTempFiles(const Store& store, FsckReport& report) {
  for (const std::string& path : store.ListTempFiles()) {
    if (IsAbandonedTempFile(path)) {
      Add(report, Kind::kStaleTempFile, path, "left by a writer that died (prune removes it)");
    }
  }
}

// `image_chains` is null when index.json is unreadable: every snapshot
// would look unused.
void ReportSnapshots(const Store& store, const std::set<Digest>* image_chains,
                     FsckReport& report) {
  SnapshotScan scan = ScanSnapshots(Snapshots(store), image_chains ? *image_chains
                                                                    : std::set<Digest>{});
  report.snapshots = static_cast<int64_t>(scan.in_use + scan.unused.size() + scan.broken.size());
  for (const BrokenSnapshot& broken : scan.broken) {
    Add(report, broken.stale ? Kind::kStaleSnapshot : Kind::kBrokenSnapshot, broken.dir,
        broken.problem + (broken.leased ? " (a running build holds it)" : " (prune removes it)"));
  }
  if (image_chains) {
    for (const SnapshotInfo& snapshot : scan.unused) {
      Add(report, Kind::kOrphanSnapshot, snapshot.tree,
          fmt::format("{}, used by no image or running build (prune removes it)",
                      HumanSize(static_cast<int64_t>(snapshot.record.size))));
    }
  }
  for (const std::string& path : scan.abandoned_work_dirs) {
    Add(report, Kind::kStaleTempFile, path,
        "half-built snapshot or RUN directory of a process that died (prune removes it)");
  }
  for (const std::string& path : scan.expired_leases) {
    Add(report, Kind::kStaleTempFile, path, "lease of a build that died (prune removes it)");
  }
}

}  // namespace

std::string_view FsckIssue::KindName(Kind kind) {
  switch (kind) {
    case Kind::kBadLayout: return "bad layout";
    case Kind::kCorruptBlob: return "corrupt blob";
    case Kind::kMissingBlob: return "missing blob";
    case Kind::kSizeMismatch: return "size mismatch";
    case Kind::kInvalidContent: return "invalid content";
    case Kind::kStrayFile: return "stray file";
    case Kind::kOrphanBlob: return "orphan blob";
    case Kind::kStaleTempFile: return "stale temporary file";
    case Kind::kBrokenSnapshot: return "broken snapshot";
    case Kind::kStaleSnapshot: return "stale snapshot";
    case Kind::kOrphanSnapshot: return "orphan snapshot";
  }
  return "unknown";
}

bool FsckReport::consistent() const {
  for (const FsckIssue& issue : issues) {
    if (!issue.cleanable()) return false;
  }
  return true;
}

std::vector<FsckIssue> FsckReport::Of(FsckIssue::Kind kind) const {
  std::vector<FsckIssue> selected;
  for (const FsckIssue& issue : issues) {
    if (issue.kind == kind) selected.push_back(issue);
  }
  return selected;
}

std::string FsckReport::Summary() const {
  size_t cleanable = 0;
  for (const FsckIssue& issue : issues) cleanable += issue.cleanable() ? 1 : 0;
  size_t problems = issues.size() - cleanable;
  std::string text = fmt::format("store {}: {} blobs ({}) verified, {}{} images; ", root,
                                 blobs_checked, HumanSize(bytes_checked),
                                 snapshots > 0 ? fmt::format("{} snapshots, ", snapshots) : "",
                                 images);
  text += problems == 0 ? "consistent"
                        : fmt::format("{} problem{}", problems, problems == 1 ? "" : "s");
  if (cleanable > 0) text += fmt::format(", {} cleanable", cleanable);
  for (const FsckIssue& issue : issues) {
    text +=
        fmt::format("\n  {} {}: {}", FsckIssue::KindName(issue.kind), issue.subject, issue.detail);
  }
  return text;
}

FsckReport Fsck(const Store& store, const FsckOptions& options) {
  FsckReport report;
  report.root = store.root();
  CheckLayoutFile(store, report);
  BlobScan scan = store.ScanBlobs();
  std::set<Digest> corrupt = VerifyBlobs(store, scan, report);
  std::optional<Index> index = ReadIndex(store, report);
  std::vector<Descriptor> roots = options.extra_roots;
  if (index) {
    report.images = static_cast<int64_t>(index->manifests.size());
    CheckNamesUnique(*index, store.IndexPath(), report);
    roots.insert(roots.end(), index->manifests.begin(), index->manifests.end());
  }
  Reachability reachable = CheckReferences(store, roots, corrupt, report);
  // Without index.json every blob would look unreferenced.
  if (index) ReportOrphans(store, scan, reachable.digests, report);
  // Under the shared lock no temp file, work dir or lease is between its
  // creation and its flock.
  FileLock lock = store.Lock(FileLock::Mode::kShared);
  ReportStaleTempFiles(store, report);
  ReportSnapshots(store, index ? &reachable.chain_ids : nullptr, report);
  return report;
}

}  // namespace imgbuild::layers
