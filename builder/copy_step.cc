#include "builder/copy_step.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <optional>

#include "builder/add_archive.h"
#include "builder/add_download.h"
#include "builder/copy_plan.h"
#include "builder/copy_sources.h"
#include "builder/copy_writer.h"
#include "builder/glob.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::builder {

struct PreparedCopyData {
  std::vector<CopyUnit> units;
  std::string destination;  // as written
  std::string keyword;      // "COPY" or "ADD"
  layers::Digest digest;
  size_t objects = 0;
};

namespace {

void CheckChecksumUse(const parser::CopyCommand& copy, const std::string& where) {
  if (copy.checksum.empty()) return;
  if (!copy.is_add) Fail("{}: --checksum can't be specified for COPY", where);
  if (copy.sources.size() != 1) {
    Fail("{}: --checksum can't be specified for multiple sources", where);
  }
  if (!IsHttpUrl(copy.sources[0])) Fail("{}: --checksum requires an HTTP(S) source", where);
}

// A fresh directory per staged source: two sources may want the same name.
std::string StagingSubdirectory(const CopyPreparation& how, const std::string& where,
                                std::string_view kind) {
  if (how.staging_dir.empty()) Fail("{}: no staging directory for {} sources", where, kind);
  std::string dir = fmt::format("{}/{}-XXXXXX", how.staging_dir, kind);
  if (mkdtemp(dir.data()) == nullptr) {
    FailErrno(where + ": create a directory in " + how.staging_dir);
  }
  return dir;
}

// A unit for one file in a staging directory, owned by root.
CopyUnit StagedFileUnit(const std::string& dir, const std::string& name, std::string digest) {
  std::string path = dir + "/" + name;
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) FailErrno("stat " + path);
  CopyObject object;
  object.source = name;
  SetObjectStat(object, st);
  object.uid = 0;
  object.gid = 0;
  object.digest = std::move(digest);
  CopyUnit unit;
  unit.host_root = dir;
  unit.name = name;
  unit.objects.push_back(std::move(object));
  return unit;
}

// BuildKit writes a heredoc source with Mkfile(name, 0644) and copies that
// file, so it gets the time it was written; with SOURCE_DATE_EPOCH it gets
// the epoch, so that an epoch later than the build still reproduces.
CopyUnit HeredocUnit(const parser::Heredoc& heredoc, const std::string& dir,
                     const std::optional<int64_t>& source_date_epoch) {
  std::string name(BaseName(heredoc.name));
  if (name.empty() || name == "." || name == "..") name = "__heredoc__";
  std::string path = dir + "/" + name;
  UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  WriteAll(fd.get(), heredoc.content.data(), heredoc.content.size(), path);
  if (fchmod(fd.get(), 0644) != 0) FailErrno("chmod " + path);
  if (source_date_epoch) {
    struct timespec times[2] = {{*source_date_epoch, 0}, {*source_date_epoch, 0}};
    if (futimens(fd.get(), times) != 0) FailErrno("set the time of " + path);
  }
  return StagedFileUnit(dir, name, layers::DigestOf(heredoc.content).ToString());
}

CopyUnit DownloadUnit(const parser::CopyCommand& copy, const std::string& url,
                      const std::string& dir, const CopyPreparation& how) {
  Download download = DownloadUrl(url, dir, copy.checksum, how.cancel);
  CopyUnit unit = StagedFileUnit(dir, download.name, download.digest.ToString());
  // Remote archives are extracted only when asked (--unpack).
  if (copy.unpack.value_or(false) && IsExtractableArchive(download.path)) {
    unit.kind = CopyUnit::Kind::kArchive;
  }
  return unit;
}

// ADD extracts a matched local file that is an archive (unless --unpack=false).
void MarkArchives(std::vector<CopyUnit>& units) {
  for (CopyUnit& unit : units) {
    if (unit.contents_only || !S_ISREG(unit.objects[0].mode)) continue;
    if (IsExtractableArchive(JoinPath(unit.host_root, unit.objects[0].source))) {
      unit.kind = CopyUnit::Kind::kArchive;
    }
  }
}

}  // namespace

PreparedCopy::PreparedCopy(std::unique_ptr<PreparedCopyData> data) : data_(std::move(data)) {}
PreparedCopy::PreparedCopy(PreparedCopy&&) noexcept = default;
PreparedCopy& PreparedCopy::operator=(PreparedCopy&&) noexcept = default;
PreparedCopy::~PreparedCopy() = default;

const layers::Digest& PreparedCopy::content_digest() const { return data_->digest; }
size_t PreparedCopy::object_count() const { return data_->objects; }

PreparedCopy PrepareCopy(const parser::CopyCommand& copy, const SourceTree& tree,
                         StatCache& stat_cache, const CopyPreparation& how) {
  std::string keyword = copy.is_add ? "ADD" : "COPY";
  std::string where = how.where + ": " + keyword;
  CheckChecksumUse(copy, where);
  IgnoreRules excludes = IgnoreRules::FromPatterns(copy.excludes, where + " --exclude");
  std::optional<TreeSelector> selector;
  std::vector<CopyUnit> units;
  size_t heredocs = 0;
  for (const std::string& source : copy.sources) {
    if (source.starts_with("<<") && heredocs < copy.heredocs.size()) {
      std::string dir = StagingSubdirectory(how, where, "heredoc");
      units.push_back(HeredocUnit(copy.heredocs[heredocs++], dir, how.source_date_epoch));
    } else if (IsGitUrl(source) && copy.is_add) {
      Fail("{}: adding a git repository (\"{}\") is not supported yet; clone it in a RUN step "
           "or ADD an archive URL instead",
           where, source);
    } else if (IsHttpUrl(source) || IsGitUrl(source)) {
      if (!copy.is_add) Fail("{}: source can't be a URL for COPY (\"{}\"); use ADD", where, source);
      std::string dir = StagingSubdirectory(how, where, "download");
      try {
        units.push_back(DownloadUnit(copy, source, dir, how));
      } catch (const Error& error) {
        Fail("{}: {}", where, error.what());
      }
    } else {
      if (!selector) {
        SelectionOptions options{tree.ignore, excludes.empty() ? nullptr : &excludes,
                                 tree.keep_owners,
                                 tree.description.empty() ? "build context" : tree.description,
                                 where, how.cancel};
        selector.emplace(tree.root, stat_cache, std::move(options));
      }
      std::vector<CopyUnit> selected = selector->Select(source, copy.parents);
      if (copy.is_add && copy.unpack.value_or(true) && !copy.parents) MarkArchives(selected);
      for (CopyUnit& unit : selected) units.push_back(std::move(unit));
    }
  }
  if (units.empty()) Fail("{}: no source files were specified (no source matched)", where);
  layers::Digest digest = DigestUnits(units);
  auto data = std::make_unique<PreparedCopyData>(
      PreparedCopyData{std::move(units), copy.destination, keyword, digest, 0});
  for (const CopyUnit& unit : data->units) data->objects += unit.objects.size();
  return PreparedCopy(std::move(data));
}

void ApplyCopy(const PreparedCopy& prepared, const CopyTarget& target) {
  const PreparedCopyData& data = *prepared.data_;
  std::string where = target.where + ": " + data.keyword;
  const std::string& written = data.destination;
  std::string absolute = written.starts_with('/') ? written : JoinPath(target.workdir, written);
  std::string destination = CleanPath("/" + absolute).substr(1);
  bool directory_syntax = written.empty() || written == "." || written.ends_with('/') ||
                          written.ends_with("/.");
  bool into_directory = directory_syntax || data.units.size() > 1;
  WriteRules rules{target.uid, target.gid, target.chmod ? &*target.chmod : nullptr, where};
  CopyWriter writer(target.rootfs, std::move(rules));
  for (const CopyUnit& unit : data.units) writer.Write(unit, destination, into_directory);
}

}  // namespace imgbuild::builder
