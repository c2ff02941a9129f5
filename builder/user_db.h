// Users and groups of an image: turning USER and COPY --chown values into
// numeric ids by reading /etc/passwd and /etc/group inside a mounted root
// filesystem, with the rules and error messages of Docker (runc's
// GetExecUser for RUN, BuildKit's chown for COPY/ADD). The files are
// opened with RESOLVE_IN_ROOT, so a symlinked /etc/passwd cannot reach the
// host's.
#ifndef IMGBUILD_BUILDER_USER_DB_H_
#define IMGBUILD_BUILDER_USER_DB_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::builder {

/// Who a RUN runs as.
struct UserIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> supplementary_gids;
  std::string home = "/";  ///< For HOME when the environment has none.
};

/// The contents of an image's /etc/passwd and /etc/group; nullopt when the
/// file does not exist.
struct UserDatabase {
  std::optional<std::string> passwd;
  std::optional<std::string> group;

  /// Reads ROOTFS/etc/passwd and ROOTFS/etc/group, resolving symlinks
  /// inside `rootfs`. Throws Error naming the file when one exists but
  /// cannot be read.
  static UserDatabase Read(const std::string& rootfs);
};

/// Resolves a USER value ("name", "uid", "name:group", "uid:gid", "" for
/// root) as runc does: a name must be in passwd; a number need not be;
/// without a group the passwd entry's gid and, as supplementary groups,
/// every group listing the user by name; with a group, that group (a name
/// must be in group) and no supplementary ones. Throws Error worded like
/// Docker: "unable to find user app: no matching entries in passwd file".
UserIdentity ResolveRunUser(std::string_view spec, const UserDatabase& db);

/// Resolves COPY/ADD --chown and the owner of WORKDIR's directories
/// ("user", "user:group", "uid:gid") as BuildKit's file operations do: a
/// name gives its passwd uid and gid, a number is both uid and gid, a group
/// replaces the gid. Unlike BuildKit, which silently falls back to root, an
/// unknown name is an error (worded like ResolveRunUser's).
UserIdentity ResolveChown(std::string_view spec, const UserDatabase& db);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_USER_DB_H_
