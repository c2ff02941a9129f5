#include "builder/user_db.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/builder/build_fixtures.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

using test_support::kBusyboxGroup;
using test_support::kBusyboxPasswd;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const UserDatabase kDb{kBusyboxPasswd, kBusyboxGroup};

std::string ErrorOf(std::string_view spec, bool chown = false) {
  try {
    chown ? ResolveChown(spec, kDb) : ResolveRunUser(spec, kDb);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(UserDbTest, RunUserByNameTakesPrimaryAndSupplementaryGroups) {
  UserIdentity app = ResolveRunUser("app", kDb);
  EXPECT_EQ(app.uid, 1000u);
  EXPECT_EQ(app.gid, 1000u);
  EXPECT_THAT(app.supplementary_gids, ElementsAre(10u, 1001u));
  EXPECT_EQ(app.home, "/home/app");
  UserIdentity root = ResolveRunUser("", kDb);
  EXPECT_EQ(root.uid, 0u);
  EXPECT_EQ(root.home, "/root");
  EXPECT_THAT(root.supplementary_gids, ElementsAre(0u, 10u));
}

TEST(UserDbTest, RunUserByNumberNeedsNoEntry) {
  UserIdentity web = ResolveRunUser("1001", kDb);
  EXPECT_EQ(web.uid, 1001u);
  EXPECT_EQ(web.gid, 1001u);
  EXPECT_EQ(web.home, "/srv/web");
  UserIdentity stranger = ResolveRunUser("4242", kDb);
  EXPECT_EQ(stranger.uid, 4242u);
  EXPECT_EQ(stranger.gid, 0u);
  EXPECT_TRUE(stranger.supplementary_gids.empty());
  EXPECT_EQ(stranger.home, "/");
}

TEST(UserDbTest, ExplicitGroupReplacesGroupsAndDropsSupplementary) {
  UserIdentity app = ResolveRunUser("app:web", kDb);
  EXPECT_EQ(app.uid, 1000u);
  EXPECT_EQ(app.gid, 1001u);
  EXPECT_TRUE(app.supplementary_gids.empty());
  EXPECT_EQ(ResolveRunUser("1000:77", kDb).gid, 77u);
}

TEST(UserDbTest, UnknownNamesFailLikeDocker) {
  EXPECT_EQ(ErrorOf("ghost"), "unable to find user ghost: no matching entries in passwd file");
  EXPECT_EQ(ErrorOf("app:ghosts"),
            "unable to find group ghosts: no matching entries in group file");
  EXPECT_EQ(ErrorOf("ghost", true),
            "unable to find user ghost: no matching entries in passwd file");
}

TEST(UserDbTest, MissingFilesOnlyAllowNumbers) {
  UserDatabase empty;
  EXPECT_EQ(ResolveRunUser("", empty).uid, 0u);
  EXPECT_EQ(ResolveRunUser("12:34", empty).gid, 34u);
  EXPECT_THROW(ResolveRunUser("app", empty), Error);
}

TEST(UserDbTest, ChownTakesTheUsersGidOrTheNumberAsGid) {
  UserIdentity svc = ResolveChown("svc", kDb);
  EXPECT_EQ(svc.uid, 2000u);
  EXPECT_EQ(svc.gid, 10u);
  EXPECT_EQ(ResolveChown("2000", kDb).gid, 2000u);
  UserIdentity numbers = ResolveChown("10:11", kDb);
  EXPECT_EQ(numbers.uid, 10u);
  EXPECT_EQ(numbers.gid, 11u);
  EXPECT_EQ(ResolveChown("55", kDb).gid, 55u);
  EXPECT_EQ(ResolveChown("app:wheel", kDb).gid, 10u);
}

TEST(UserDbTest, ReadsTheFilesInsideTheRootOnly) {
  TempDir root("imgbuild-userdb-");
  std::filesystem::create_directories(root.path() + "/etc");
  std::filesystem::create_directories(root.path() + "/real");
  test_support::WriteTextFile(root.path() + "/real/passwd", "inside:x:7:7::/:/bin/sh\n");
  // An absolute symlink resolves inside the root, never to the host's file.
  std::filesystem::create_symlink("/real/passwd", root.path() + "/etc/passwd");
  UserDatabase db = UserDatabase::Read(root.path());
  ASSERT_TRUE(db.passwd);
  EXPECT_EQ(*db.passwd, "inside:x:7:7::/:/bin/sh\n");
  EXPECT_FALSE(db.group);
  EXPECT_EQ(ResolveRunUser("inside", db).uid, 7u);
  // ".." stops at the root too.
  std::filesystem::remove(root.path() + "/etc/passwd");
  std::filesystem::create_symlink("../../../../../real/passwd", root.path() + "/etc/passwd");
  EXPECT_EQ(UserDatabase::Read(root.path()).passwd, "inside:x:7:7::/:/bin/sh\n");
}

}  // namespace
}  // namespace imgbuild::builder
