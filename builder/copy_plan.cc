#include "builder/copy_plan.h"

#include <sys/sysmacros.h>

#include <fmt/format.h>

#include "layers/safe_path.h"

namespace imgbuild::builder {
namespace {

// Fields are length-prefixed so no name can imitate a field boundary.
void AddField(std::string& listing, std::string_view field) {
  listing += fmt::format("{}:", field.size());
  listing += field;
}

void AddObject(std::string& listing, const CopyObject& object, bool keep_owners) {
  AddField(listing, object.rel);
  listing += fmt::format("{:o}", object.mode);
  if (keep_owners) listing += fmt::format(" {}:{}", object.uid, object.gid);
  if (object.hardlink_to >= 0) {
    listing += fmt::format(" link {}", object.hardlink_to);
  } else if (S_ISREG(object.mode)) {
    AddField(listing, object.digest);
  } else if (S_ISLNK(object.mode)) {
    AddField(listing, object.link_target);
  } else if (S_ISCHR(object.mode) || S_ISBLK(object.mode)) {
    listing += fmt::format(" {}:{}", major(object.rdev), minor(object.rdev));
  }
  listing += '\n';
}

}  // namespace

std::string JoinPath(std::string_view parent, std::string_view name) {
  std::string path(parent);
  if (!path.empty() && !name.empty()) path += '/';
  path += name;
  return path;
}

std::string_view BaseName(std::string_view path) { return layers::SplitParent(path).second; }

void SetObjectStat(CopyObject& object, const struct stat& st) {
  object.mode = st.st_mode;
  object.uid = st.st_uid;
  object.gid = st.st_gid;
  object.mtime = st.st_mtim;
  object.rdev = st.st_rdev;
  object.size = st.st_size;
}

layers::Digest DigestUnits(const std::vector<CopyUnit>& units) {
  layers::Hasher hasher;
  std::string line;  // reused: one line per object, hashed as it is made
  for (const CopyUnit& unit : units) {
    line = fmt::format("unit {} {} ", unit.kind == CopyUnit::Kind::kArchive ? "archive" : "copy",
                       unit.contents_only ? "contents" : "object");
    AddField(line, unit.name);
    line += '\n';
    hasher.Update(line);
    for (const CopyObject& object : unit.objects) {
      line.clear();
      AddObject(line, object, unit.keep_owners);
      hasher.Update(line);
    }
  }
  return hasher.Finish();
}

}  // namespace imgbuild::builder
