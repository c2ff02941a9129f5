#include "builder/user_db.h"

#include <fcntl.h>

#include <cerrno>
#include <charconv>

#include "layers/safe_path.h"
#include "util/error.h"
#include "util/fd.h"
#include "util/split.h"

namespace imgbuild::builder {
namespace {

constexpr size_t kMaxDatabaseFile = 16 << 20;

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

std::optional<uint32_t> ParseId(std::string_view text) {
  uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The colon-separated fields of each meaningful line.
std::vector<std::vector<std::string>> Records(const std::optional<std::string>& file) {
  std::vector<std::vector<std::string>> records;
  if (!file) return records;
  for (std::string& line : Split(*file, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    records.push_back(Split(line, ':'));
  }
  return records;
}

std::vector<PasswdEntry> PasswdEntries(const UserDatabase& db) {
  std::vector<PasswdEntry> entries;
  for (std::vector<std::string>& fields : Records(db.passwd)) {
    if (fields.size() < 4) continue;
    std::optional<uint32_t> uid = ParseId(fields[2]), gid = ParseId(fields[3]);
    if (!uid || !gid) continue;
    entries.push_back({fields[0], *uid, *gid, fields.size() > 5 ? fields[5] : ""});
  }
  return entries;
}

std::vector<GroupEntry> GroupEntries(const UserDatabase& db) {
  std::vector<GroupEntry> entries;
  for (std::vector<std::string>& fields : Records(db.group)) {
    if (fields.size() < 3) continue;
    std::optional<uint32_t> gid = ParseId(fields[2]);
    if (!gid) continue;
    GroupEntry entry{fields[0], *gid, {}};
    if (fields.size() > 3 && !fields[3].empty()) entry.members = Split(fields[3], ',');
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::pair<std::string, std::string> SplitSpec(std::string_view spec) {
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return {std::string(spec), ""};
  return {std::string(spec.substr(0, colon)), std::string(spec.substr(colon + 1))};
}

[[noreturn]] void NoUser(std::string_view user) {
  Fail("unable to find user {}: no matching entries in passwd file", user);
}

[[noreturn]] void NoGroup(std::string_view group) {
  Fail("unable to find group {}: no matching entries in group file", group);
}

const PasswdEntry* FindUser(const std::vector<PasswdEntry>& users, std::string_view user) {
  std::optional<uint32_t> uid = ParseId(user);
  for (const PasswdEntry& entry : users) {
    if (uid ? entry.uid == *uid : entry.name == user) return &entry;
  }
  return nullptr;
}

// The gid a group name or number stands for.
gid_t ResolveGroup(const std::vector<GroupEntry>& groups, std::string_view group) {
  std::optional<uint32_t> gid = ParseId(group);
  for (const GroupEntry& entry : groups) {
    if (gid ? entry.gid == *gid : entry.name == group) return entry.gid;
  }
  if (!gid) NoGroup(group);
  return *gid;
}

std::optional<std::string> ReadInRoot(int root_fd, const std::string& rootfs,
                                      const std::string& path) {
  UniqueFd fd = layers::TryOpenInRoot(root_fd, path, O_RDONLY);
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    FailErrno("open " + rootfs + "/" + path);
  }
  std::string content;
  char buffer[8192];
  while (size_t got = ReadSome(fd.get(), buffer, sizeof(buffer), rootfs + "/" + path)) {
    content.append(buffer, got);
    if (content.size() > kMaxDatabaseFile) Fail("{}/{} is larger than 16 MiB", rootfs, path);
  }
  return content;
}

}  // namespace

UserDatabase UserDatabase::Read(const std::string& rootfs) {
  UniqueFd root = OpenOrThrow(rootfs, O_PATH | O_DIRECTORY);
  return UserDatabase{ReadInRoot(root.get(), rootfs, "etc/passwd"),
                      ReadInRoot(root.get(), rootfs, "etc/group")};
}

UserIdentity ResolveRunUser(std::string_view spec, const UserDatabase& db) {
  auto [user, group] = SplitSpec(spec);
  std::vector<PasswdEntry> users = PasswdEntries(db);
  UserIdentity identity;
  std::string matched_name;
  if (const PasswdEntry* entry = FindUser(users, user.empty() ? "0" : user)) {
    matched_name = entry->name;
    identity.uid = entry->uid;
    identity.gid = entry->gid;
    identity.home = entry->home.empty() ? "/" : entry->home;
  } else if (!user.empty()) {
    std::optional<uint32_t> uid = ParseId(user);
    if (!uid) NoUser(user);
    identity.uid = *uid;
  }
  std::vector<GroupEntry> groups = GroupEntries(db);
  if (!group.empty()) {
    identity.gid = ResolveGroup(groups, group);
    return identity;
  }
  if (matched_name.empty()) return identity;
  for (const GroupEntry& entry : groups) {
    for (const std::string& member : entry.members) {
      if (member == matched_name) {
        identity.supplementary_gids.push_back(entry.gid);
        break;
      }
    }
  }
  return identity;
}

UserIdentity ResolveChown(std::string_view spec, const UserDatabase& db) {
  auto [user, group] = SplitSpec(spec);
  if (user.empty()) Fail("invalid --chown value \"{}\": it names no user", spec);
  UserIdentity identity;
  if (std::optional<uint32_t> uid = ParseId(user)) {
    identity.uid = *uid;
    identity.gid = *uid;
  } else if (const PasswdEntry* entry = FindUser(PasswdEntries(db), user)) {
    identity.uid = entry->uid;
    identity.gid = entry->gid;
  } else {
    NoUser(user);
  }
  if (!group.empty()) identity.gid = ResolveGroup(GroupEntries(db), group);
  return identity;
}

}  // namespace imgbuild::builder
