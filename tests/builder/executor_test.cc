// Builds real recipes with the executor: namespaces, overlayfs and the
// sandbox, over a busybox image in a temporary store.
#include "builder/executor.h"

#include <sys/stat.h>

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "builder/build_outputs.h"
#include "layers/image_export.h"
#include "layers/snapshots.h"
#include "registry/registry.h"
#include "tests/builder/build_fixtures.h"
#include "tests/registry/registry_fixture.h"
#include "util/dir.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

using test_support::ReadTextFile;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class ExecutorTest : public test_support::BuildFixture {
 protected:
  // The image's root file system as a directory (type=local).
  std::string Unpack(const BuildResult& result) {
    std::string path = dir() + "/unpacked-" + std::to_string(unpacked_++);
    WriteOutput(store_, result, {}, {OutputSpec::Type::kLocal, path});
    return path;
  }

  std::string FileIn(const BuildResult& result, const std::string& path) {
    return ReadTextFile(Unpack(result) + path);
  }

  static std::vector<std::string> History(const BuildResult& result) {
    std::vector<std::string> texts;
    for (const layers::HistoryEntry& entry : result.image.history) {
      texts.push_back(entry.created_by + (entry.empty_layer ? " (empty)" : ""));
    }
    return texts;
  }

  // Nothing of a build may stay behind: work dirs, leases, temp files, mounts.
  void ExpectNoLeftovers() {
    EXPECT_THAT(ListDirectorySorted(store_.MetadataDir() + "/snapshots/.work"), IsEmpty());
    EXPECT_THAT(ListDirectorySorted(store_.MetadataDir() + "/leases"), IsEmpty());
    EXPECT_THAT(store_.ListTempFiles(), IsEmpty());
    EXPECT_FALSE(test_support::MountinfoMentions(store_.root()));
  }

  int unpacked_ = 0;
};

TEST_F(ExecutorTest, ScratchWithMetadataOnlyMakesAConfigWithoutLayers) {
  BuildRequest request = Recipe(
      "FROM scratch\n"
      "ENV GREETING=hello\n"
      "LABEL org.example.team=build\n"
      "EXPOSE 8080\n"
      "CMD [\"/app\"]\n");
  request.tags = {"meta:1"};
  BuildResult result = Run(request);
  const layers::ImageConfig& image = result.image;
  EXPECT_EQ(image.os, "linux");
  EXPECT_EQ(image.architecture, parser::Platform::Host().architecture);
  EXPECT_THAT(image.config.env,
              ElementsAre("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "GREETING=hello"));
  EXPECT_EQ(image.config.working_dir, "/");
  EXPECT_EQ(image.config.labels.at("org.example.team"), "build");
  EXPECT_THAT(image.config.exposed_ports, ElementsAre("8080/tcp"));
  EXPECT_THAT(image.config.cmd, ElementsAre("/app"));
  EXPECT_THAT(image.diff_ids, IsEmpty());
  EXPECT_THAT(History(result),
              ElementsAre("ENV GREETING=hello (empty)", "LABEL org.example.team=build (empty)",
                          "EXPOSE [8080/tcp] (empty)", "CMD [\"/app\"] (empty)"));
  EXPECT_EQ(store_.Resolve("meta:1").digest, result.manifest.digest);
  layers::Manifest manifest = store_.ReadManifest(result.manifest);
  EXPECT_THAT(manifest.layers, IsEmpty());
  EXPECT_EQ(store_.ReadConfig(manifest.config), image);
}

TEST_F(ExecutorTest, RunStreamsOutputAndMakesALayer) {
  BuildResult result =
      Run(Recipe("FROM busybox:test\n"
                 "RUN echo to-stdout && echo to-stderr >&2 && echo built > /built.txt\n"));
  EXPECT_THAT(sink_->OutputOf("RUN echo"), AllOf(HasSubstr("to-stdout"), HasSubstr("to-stderr")));
  EXPECT_EQ(FileIn(result, "/built.txt"), "built\n");
  EXPECT_EQ(result.image.diff_ids.size(), 2u);
  EXPECT_EQ(result.executed_steps, 1);
  EXPECT_THAT(History(result).back(),
              "RUN /bin/sh -c echo to-stdout && echo to-stderr >&2 && echo built > /built.txt "
              "# buildkit");
  EXPECT_THAT(sink_->started(),
              ElementsAre("[1/2] FROM busybox:test", HasSubstr("[2/2] RUN echo to-stdout")));
  ExpectNoLeftovers();
}

TEST_F(ExecutorTest, FailingRunNamesFileLineAndExitCodeAndLeavesNothing) {
  std::string error =
      BuildError(Recipe("FROM busybox:test\n"
                        "RUN echo before\n"
                        "RUN echo failing >&2; exit 3\n"
                        "RUN echo never\n"));
  EXPECT_THAT(error,
              HasSubstr(context() + "/Buildfile:3: RUN echo failing >&2; exit 3: exit code 3"));
  EXPECT_THAT(sink_->OutputOf("RUN echo failing"), HasSubstr("failing"));
  EXPECT_THAT(sink_->started(), Not(testing::Contains(HasSubstr("never"))));
  ExpectNoLeftovers();
}

TEST_F(ExecutorTest, ArgsAndEnvReachRunButOnlyEnvReachesTheConfig) {
  BuildRequest request = Recipe(
      "FROM busybox:test\n"
      "ARG GREETING=hi\n"
      "ARG TARGET\n"
      "ENV NAME=world\n"
      "RUN echo \"$GREETING $NAME $TARGET $HOME\" > /out\n");
  request.graph.build_args = {{"TARGET", "there"}, {"UNUSED", "x"}};
  BuildResult result = Run(request);
  EXPECT_EQ(FileIn(result, "/out"), "hi world there /root\n");
  EXPECT_THAT(result.image.config.env, ElementsAre(HasSubstr("PATH="), "NAME=world"));
  EXPECT_THAT(History(result),
              testing::IsSupersetOf({"ARG GREETING=hi (empty)", "ARG TARGET=there (empty)",
                                     "RUN |2 GREETING=hi TARGET=there /bin/sh -c echo \"$GREETING "
                                     "$NAME $TARGET $HOME\" > /out # buildkit"}));
  EXPECT_THAT(sink_->messages(), testing::Contains(HasSubstr("UNUSED")));
}

TEST_F(ExecutorTest, UserByNameAndNumberWithGroupsAndHome) {
  BuildResult result =
      Run(Recipe("FROM busybox:test\n"
                 "USER app\n"
                 "RUN id > /tmp/id-app && echo $HOME >> /tmp/id-app\n"
                 "USER 1001:10\n"
                 "RUN id > /tmp/id-num\n"
                 "USER root\n"
                 "RUN ls -ln /tmp > /tmp/owners\n"));
  std::string root = Unpack(result);
  std::string app = ReadTextFile(root + "/tmp/id-app");
  EXPECT_THAT(app, HasSubstr("uid=1000(app) gid=1000(app)"));
  EXPECT_THAT(app, AllOf(HasSubstr("10(wheel)"), HasSubstr("1001(web)")));
  EXPECT_THAT(app, HasSubstr("/home/app"));
  EXPECT_THAT(ReadTextFile(root + "/tmp/id-num"), HasSubstr("uid=1001(web) gid=10(wheel)"));
  struct stat info {};
  ASSERT_EQ(stat((root + "/tmp/id-app").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 1000u);
  EXPECT_EQ(result.image.config.user, "root");
}

TEST_F(ExecutorTest, UnknownUserFailsLikeDockerWithTheLine) {
  std::string error = BuildError(Recipe("FROM busybox:test\nUSER ghost\nRUN true\n"));
  EXPECT_THAT(error, HasSubstr("Buildfile:3: unable to find user ghost: no matching entries in "
                               "passwd file"));
}

TEST_F(ExecutorTest, WorkdirCreatesTheDirectoryAsTheUserInALayer) {
  BuildResult result =
      Run(Recipe("FROM busybox:test\n"
                 "USER app\n"
                 "WORKDIR /srv/app\n"
                 "WORKDIR sub\n"
                 "RUN pwd > /tmp/pwd\n"));
  std::string root = Unpack(result);
  EXPECT_EQ(ReadTextFile(root + "/tmp/pwd"), "/srv/app/sub\n");
  struct stat info {};
  ASSERT_EQ(stat((root + "/srv/app/sub").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 1000u);
  EXPECT_EQ(info.st_mode & 07777, 0755u);
  EXPECT_EQ(result.image.config.working_dir, "/srv/app/sub");
  EXPECT_EQ(result.image.diff_ids.size(), 4u);  // busybox, two WORKDIRs, RUN
  EXPECT_THAT(History(result), testing::IsSupersetOf({"WORKDIR /srv/app", "WORKDIR /srv/app/sub"}));
}

TEST_F(ExecutorTest, ShellInstructionAndExecForm) {
  BuildResult result =
      Run(Recipe("FROM busybox:test\n"
                 "SHELL [\"/bin/sh\", \"-ec\"]\n"
                 "RUN echo \"flags $-\" > /shell\n"
                 "RUN [\"/bin/sh\", \"-c\", \"echo '$HOME' literal > /exec\"]\n"));
  std::string root = Unpack(result);
  EXPECT_THAT(ReadTextFile(root + "/shell"), HasSubstr("e"));
  EXPECT_EQ(ReadTextFile(root + "/exec"), "$HOME literal\n");
  EXPECT_THAT(History(result),
              testing::IsSupersetOf({"SHELL [/bin/sh -ec] (empty)",
                                     "RUN /bin/sh -ec echo \"flags $-\" > /shell # buildkit",
                                     "RUN /bin/sh -c echo '$HOME' literal > /exec # buildkit"}));
}

TEST_F(ExecutorTest, NetworkNoneLeavesOnlyLoopback) {
  BuildResult result =
      Run(Recipe("FROM busybox:test\n"
                 "RUN --network=none ls /sys/class/net > /none\n"));
  EXPECT_EQ(FileIn(result, "/none"), "lo\n");
  BuildRequest request = Recipe("FROM busybox:test\nRUN ls /sys/class/net > /default\n");
  request.network = NetworkMode::kNone;
  EXPECT_EQ(FileIn(Run(request), "/default"), "lo\n");
}

TEST_F(ExecutorTest, EntrypointResetsTheInheritedCmd) {
  BuildResult reset = Run(Recipe("FROM busybox:test\nENTRYPOINT [\"/bin/echo\"]\n"));
  EXPECT_THAT(reset.image.config.cmd, IsEmpty());
  EXPECT_THAT(reset.image.config.entrypoint, ElementsAre("/bin/echo"));
  BuildResult kept = Run(Recipe("FROM busybox:test\nCMD [\"hi\"]\nENTRYPOINT [\"/bin/echo\"]\n"));
  EXPECT_THAT(kept.image.config.cmd, ElementsAre("hi"));
  EXPECT_THAT(Run(Recipe("FROM busybox:test\nLABEL a=b\n")).image.config.cmd, ElementsAre("sh"));
}

TEST_F(ExecutorTest, OnbuildTriggersRunInTheChildAndAreNotInherited) {
  BuildRequest base = Recipe(
      "FROM busybox:test\n"
      "ONBUILD ENV FROM_TRIGGER=1\n"
      "ONBUILD RUN echo \"triggered $FROM_TRIGGER\" > /triggered\n");
  base.tags = {"onbuild-base:1"};
  BuildResult parent = Run(base);
  EXPECT_THAT(
      parent.image.config.on_build,
      ElementsAre("ENV FROM_TRIGGER=1", "RUN echo \"triggered $FROM_TRIGGER\" > /triggered"));
  BuildResult child = Run(Recipe("FROM onbuild-base:1\nRUN cat /triggered > /copy\n"));
  EXPECT_EQ(FileIn(child, "/copy"), "triggered 1\n");
  EXPECT_THAT(sink_->started(),
              testing::Contains("[2/3] ONBUILD RUN echo \"triggered $FROM_TRIGGER\" > /triggered"));
  EXPECT_THAT(child.image.config.on_build, IsEmpty());
  EXPECT_THAT(child.image.config.env, testing::Contains("FROM_TRIGGER=1"));
}

TEST_F(ExecutorTest, StagesBuildOnEarlierStagesAndTargetSkipsTheRest) {
  std::string recipe =
      "FROM busybox:test AS base\n"
      "ENV STAGE=base\n"
      "RUN echo base > /base\n"
      "FROM base AS middle\n"
      "RUN echo \"middle after $STAGE\" > /middle\n"
      "FROM busybox:test AS unrelated\n"
      "RUN echo unrelated\n"
      "FROM middle\n"
      "RUN cat /base /middle > /final\n";
  BuildResult all = Run(Recipe(recipe));
  EXPECT_EQ(FileIn(all, "/final"), "base\nmiddle after base\n");
  EXPECT_THAT(sink_->started(), Not(testing::Contains(HasSubstr("unrelated"))));
  BuildRequest request = Recipe(recipe);
  request.graph.target = "middle";
  BuildResult middle = Run(request);
  std::string root = Unpack(middle);
  EXPECT_TRUE(std::filesystem::exists(root + "/middle"));
  EXPECT_FALSE(std::filesystem::exists(root + "/final"));
  EXPECT_EQ(middle.image.diff_ids.size(), 3u);
}

TEST_F(ExecutorTest, BasesOnlyOtherTargetsNeedAreNotFetched) {
  layers::Store other(dir() + "/other-store");
  layers::Manifest manifest = other.ReadManifest(test_support::PutBusyboxImage(other, "").manifest);
  layers::ImageConfig config = other.ReadConfig(manifest.config);
  config.config.env.push_back("ONLY_IN_LAYOUT=from-layout");
  manifest.config = other.PutConfig(config);
  layers::Descriptor elsewhere = other.PutManifest(manifest);
  std::string layout = dir() + "/layout";
  layers::ExportLayoutDirectory(other, {{"example.com/unused:v1", elsewhere}}, layout);
  std::string recipe =
      "FROM oci-layout://" + layout + ":v1 AS unused\n"
      "RUN echo $ONLY_IN_LAYOUT\n"
      "FROM busybox:test AS wanted\n"
      "RUN echo wanted\n";
  BuildRequest request = Recipe(recipe);
  request.graph.target = "wanted";
  Run(request);
  EXPECT_FALSE(store_.HasBlob(elsewhere.digest)) << "the unused stage's base was imported";
  request.graph.target = "unused";
  Run(request);
  EXPECT_TRUE(store_.HasBlob(elsewhere.digest));
  EXPECT_THAT(sink_->OutputOf("RUN echo $ONLY_IN_LAYOUT"), HasSubstr("from-layout"));
}

TEST_F(ExecutorTest, FromByDigestAndFromAnOciLayout) {
  BuildResult by_digest = Run(
      Recipe("FROM " + busybox_->manifest.digest.ToString().substr(0, 19) + "\nRUN echo d > /d\n"));
  EXPECT_EQ(FileIn(by_digest, "/d"), "d\n");
  // A layout made from another store: its blobs must be imported.
  layers::Store other(dir() + "/other-store");
  test_support::StoredBusybox elsewhere = test_support::PutBusyboxImage(other, "");
  std::string layout = dir() + "/layout";
  layers::ExportLayoutDirectory(other, {{"example.com/tools/busybox:v1", elsewhere.manifest}},
                                layout);
  BuildResult from_layout = Run(Recipe("FROM oci-layout://" + layout + ":v1\nRUN echo l > /l\n"));
  EXPECT_EQ(FileIn(from_layout, "/l"), "l\n");
  BuildResult by_layout_digest = Run(
      Recipe("FROM oci-layout://" + layout + "@" + elsewhere.manifest.digest.ToString() + "\n"));
  EXPECT_EQ(by_layout_digest.image.diff_ids.size(), 1u);
  std::string missing = BuildError(Recipe("FROM oci-layout://" + layout + ":v2\n"));
  EXPECT_THAT(missing, AllOf(HasSubstr("Buildfile:1"), HasSubstr("no image tagged \"v2\""),
                             HasSubstr("v1")));
  std::string unknown = BuildError(Recipe("FROM nosuchimage:1\n"));
  EXPECT_THAT(unknown, AllOf(HasSubstr("Buildfile:1"), HasSubstr("nosuchimage:1"),
                             HasSubstr("in store " + store_.root()),
                             HasSubstr("pulling it failed")));
}

// A busybox labelled only.in=registry that only a test registry has,
// pushed there from a store of its own at `scratch_store`.
struct RegistryOnlyImage {
  explicit RegistryOnlyImage(const std::string& scratch_store)
      : manifest(PushFrom(scratch_store)) {}

  registry::testing::TestRegistry registry;
  std::string reference = registry.host() + "/tools/busybox:1";
  layers::Descriptor manifest;  // Last: PushFrom uses `reference`.

 private:
  layers::Descriptor PushFrom(const std::string& scratch_store) const {
    layers::Store other(scratch_store);
    layers::Descriptor image = test_support::PutLabelledBusybox(other, "only.in", "registry");
    registry::Push(other, image, reference, {});
    return image;
  }
};

TEST_F(ExecutorTest, FromAnImageOnlyARegistryHasPullsIt) {
  RegistryOnlyImage remote(dir() + "/other-store");
  ASSERT_FALSE(store_.HasBlob(remote.manifest.digest));
  BuildResult result = Run(Recipe("FROM " + remote.reference + "\nRUN echo pulled > /pulled\n"));
  EXPECT_EQ(FileIn(result, "/pulled"), "pulled\n");
  EXPECT_TRUE(store_.HasBlob(remote.manifest.digest));
  EXPECT_EQ(result.image.config.labels.at("only.in"), "registry");
  EXPECT_EQ(result.image.diff_ids.size(), 2u);
}

TEST_F(ExecutorTest, ResultNamesTheExactBasesTheTargetUsed) {
  RegistryOnlyImage remote(dir() + "/other-store");
  BuildResult result = Run(Recipe("FROM nosuchimage:1 AS unused\n"
                                  "FROM " + remote.reference + " AS tools\n"
                                  "FROM busybox:test\n"
                                  "COPY --from=tools /bin/busybox /tools-busybox\n"));
  ASSERT_EQ(result.bases.size(), 2u);  // not the stage the target does not need
  const UsedBase& pulled = result.bases[0];  // sorted: "127.0.0.1:..." first
  EXPECT_EQ(pulled.reference, remote.reference);
  EXPECT_EQ(pulled.platform, parser::Platform::Host().ToString());
  EXPECT_EQ(pulled.resolved.ToString(), remote.manifest.digest.ToString());
  EXPECT_EQ(pulled.manifest.ToString(), remote.manifest.digest.ToString());
  const UsedBase& local = result.bases[1];
  EXPECT_EQ(local.reference, "busybox:test");
  EXPECT_EQ(local.resolved.ToString(), store_.Resolve("busybox:test").digest.ToString());
}

TEST_F(ExecutorTest, RebuildIsCachedAChangeMissesFromThereAndNoCacheRuns) {
  std::string recipe =
      "FROM busybox:test\n"
      "RUN echo one > /one\n"
      "WORKDIR /work\n"
      "RUN echo two > two\n";
  BuildResult first = Run(Recipe(recipe));
  EXPECT_EQ(first.executed_steps, 3);
  EXPECT_THAT(sink_->cached(), IsEmpty());
  BuildResult second = Run(Recipe("# a comment moves nothing that matters\n" + recipe));
  EXPECT_EQ(second.executed_steps, 0);
  EXPECT_EQ(sink_->cached().size(), 3u);
  EXPECT_EQ(second.image.diff_ids, first.image.diff_ids);
  BuildResult changed =
      Run(Recipe("FROM busybox:test\n"
                 "RUN echo one > /one\n"
                 "WORKDIR /work\n"
                 "RUN echo changed > two\n"));
  EXPECT_EQ(changed.executed_steps, 1);
  EXPECT_THAT(sink_->cached(), ElementsAre(HasSubstr("echo one"), HasSubstr("WORKDIR")));
  BuildRequest no_cache = Recipe(recipe);
  no_cache.no_cache = true;
  BuildResult rebuilt = Run(no_cache);
  EXPECT_EQ(rebuilt.executed_steps, 3);
  EXPECT_THAT(sink_->cached(), IsEmpty());
  BuildRequest with_arg = Recipe("FROM busybox:test\nARG V=1\nRUN echo $V > /v\n");
  Run(with_arg);
  with_arg.graph.build_args = {{"V", "2"}};
  EXPECT_EQ(Run(with_arg).executed_steps, 1) << "a changed build arg must miss";
}

TEST_F(ExecutorTest, CacheHitWhoseSnapshotIsGoneIsExtractedFromItsBlob) {
  std::string recipe = "FROM busybox:test\nRUN echo cached > /cached\n";
  Run(Recipe(recipe));
  layers::Snapshots snapshots(store_);
  for (const std::string& name : snapshots.ListNames()) RemoveAll(snapshots.root() + "/" + name);
  BuildResult result = Run(Recipe(recipe + "RUN cat /cached > /seen\n"));
  EXPECT_EQ(result.executed_steps, 1);
  EXPECT_EQ(sink_->cached().size(), 1u);
  EXPECT_EQ(FileIn(result, "/seen"), "cached\n");
  EXPECT_EQ(snapshots.ListNames().size(), 3u);
}

TEST_F(ExecutorTest, SourceDateEpochMakesRebuildsBitForBitIdentical) {
  BuildRequest request = Recipe("FROM busybox:test\nRUN echo x > /x\nLABEL a=b\n");
  request.source_date_epoch = 1700000000;
  request.compression = layers::Compression::kGzip;
  request.no_cache = true;
  BuildResult first = Run(request);
  BuildResult second = Run(request);
  EXPECT_EQ(first.manifest, second.manifest);
  EXPECT_EQ(first.image.created, "2023-11-14T22:13:20Z");
  for (const layers::HistoryEntry& entry : first.image.history) {
    EXPECT_LE(entry.created, "2023-11-14T22:13:20Z") << entry.created_by;
  }
  EXPECT_EQ(store_.ReadManifest(first.manifest).layers.back().media_type,
            layers::media_types::kOciLayerGzip);
  struct stat info {};
  ASSERT_EQ(lstat((Unpack(first) + "/x").c_str(), &info), 0);
  EXPECT_EQ(info.st_mtime, 1700000000);
}

TEST_F(ExecutorTest, HeredocRunsAsBuildKitRunsThem) {
  BuildResult result =
      Run(Recipe("FROM busybox:test\n"
                 "RUN <<EOF\n"
                 "echo plain > /h1\n"
                 "echo second line >> /h1\n"
                 "EOF\n"
                 "RUN <<EOF\n"
                 "#!/bin/sh\n"
                 "echo \"script $0\" > /h2\n"
                 "EOF\n"
                 "RUN cat <<EOF > /h3\n"
                 "redirected\n"
                 "EOF\n"));
  std::string root = Unpack(result);
  EXPECT_EQ(ReadTextFile(root + "/h1"), "plain\nsecond line\n");
  EXPECT_EQ(ReadTextFile(root + "/h2"), "script /dev/pipes/EOF\n");
  EXPECT_EQ(ReadTextFile(root + "/h3"), "redirected\n");
  EXPECT_FALSE(std::filesystem::exists(root + "/dev/pipes")) << "the script leaked into a layer";
}

TEST_F(ExecutorTest, RunMountIsRejectedForNow) {
  std::string error =
      BuildError(Recipe("FROM busybox:test\n"
                        "RUN --mount=type=cache,target=/cache true\n"));
  EXPECT_THAT(error, AllOf(HasSubstr("Buildfile:2"), HasSubstr("--mount=type=cache"),
                           HasSubstr("not supported yet")));
}

TEST_F(ExecutorTest, UntaggedImageIsFoundByItsDigest) {
  BuildRequest request = Recipe("FROM busybox:test\nLABEL untagged=yes\n");
  request.source_date_epoch = 0;  // the same image twice
  BuildResult result = Run(request);
  EXPECT_EQ(store_.Resolve(result.manifest.digest.ToString()).digest, result.manifest.digest);
  EXPECT_EQ(store_.Resolve(result.manifest.digest.hex().substr(0, 12)).digest,
            result.manifest.digest);
  EXPECT_EQ(Run(request).manifest, result.manifest);
  size_t entries = 0;
  for (const layers::StoreImage& image : store_.List()) {
    if (image.descriptor.digest == result.manifest.digest) ++entries;
  }
  EXPECT_EQ(entries, 1u) << "a rebuild must not add a second entry";
}

TEST_F(ExecutorTest, CopyFromTheContextStagesAndImages) {
  test_support::WriteTextFile(context() + "/a.txt", "from a\n");
  std::filesystem::create_directories(context() + "/dir");
  test_support::WriteTextFile(context() + "/dir/b.txt", "from b\n");
  test_support::WriteTextFile(context() + "/dir/secret", "ignored\n");
  test_support::WriteTextFile(context() + "/.dockerignore", "dir/secret\n");
  std::string recipe =
      "FROM busybox:test AS build\n"
      "WORKDIR /app\n"
      "COPY a.txt ./\n"
      "COPY --chown=app:web dir dir/\n"
      "RUN cat a.txt dir/b.txt > both && ls dir > listing && stat -c %u:%g dir/b.txt > owner\n"
      "FROM scratch\n"
      "COPY --from=build /app/both /app/listing /app/owner /out/\n"
      "COPY --from=busybox:test /etc/group /out/group\n";
  BuildResult result = Run(Recipe(recipe));
  std::string root = Unpack(result);
  EXPECT_EQ(ReadTextFile(root + "/out/both"), "from a\nfrom b\n");
  EXPECT_EQ(ReadTextFile(root + "/out/listing"), "b.txt\n");
  EXPECT_EQ(ReadTextFile(root + "/out/owner"), "1000:1001\n");
  EXPECT_EQ(ReadTextFile(root + "/out/group"), test_support::kBusyboxGroup);
  EXPECT_THAT(History(result),
              ElementsAre("COPY /app/both /app/listing /app/owner /out/ # buildkit",
                          "COPY /etc/group /out/group # buildkit"));
  EXPECT_EQ(Run(Recipe(recipe)).executed_steps, 0);
  test_support::WriteTextFile(context() + "/a.txt", "changed a\n");
  BuildResult changed = Run(Recipe(recipe));
  EXPECT_EQ(FileIn(changed, "/out/both"), "changed a\nfrom b\n");
  // Everything after the changed COPY in its stage, and what reads that
  // stage, runs again.
  EXPECT_THAT(sink_->cached(), ElementsAre(HasSubstr("WORKDIR /app")));
  test_support::WriteTextFile(context() + "/dir/secret", "still ignored, still cached\n");
  EXPECT_EQ(Run(Recipe(recipe)).executed_steps, 0);
}

TEST_F(ExecutorTest, CopyErrorsNameTheLine) {
  std::string error = BuildError(Recipe("FROM busybox:test\nCOPY missing.txt /\n"));
  EXPECT_THAT(error, AllOf(HasSubstr("Buildfile:2"), HasSubstr("missing.txt")));
  ExpectNoLeftovers();
}

// Two stages that can only finish together: one listens on a loopback port
// (the host's network), the other connects to it. Run one after the other,
// the listener would time out (or the client give up) and the build fail.
TEST_F(ExecutorTest, IndependentStagesRunAtTheSameTime) {
  int port = registry::testing::FreeLoopbackPort();
  BuildRequest request = Recipe(fmt::format(
      "FROM busybox:test AS listener\n"
      "RUN timeout 30 nc -l -p {0} > /received\n"
      "FROM busybox:test AS talker\n"
      "RUN for i in $(seq 300); do echo hello | nc 127.0.0.1 {0} && exit 0; sleep 0.1; done; "
      "exit 1\n"
      "FROM scratch\n"
      "COPY --from=listener /received /received\n"
      "COPY --from=talker /etc/passwd /passwd\n",
      port));
  request.jobs = 2;
  BuildResult result = Run(request);
  EXPECT_EQ(FileIn(result, "/received"), "hello\n");
}

TEST_F(ExecutorTest, AFailingStageStopsItsRunningSibling) {
  BuildRequest request = Recipe(
      "FROM busybox:test AS slow\n"
      "RUN sleep 60\n"
      "FROM busybox:test AS broken\n"
      "RUN sleep 0.3; exit 4\n"
      "FROM scratch\n"
      "COPY --from=slow /etc/passwd /a\n"
      "COPY --from=broken /etc/passwd /b\n");
  request.jobs = 2;
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(BuildError(request), HasSubstr("Buildfile:4: RUN sleep 0.3; exit 4: exit code 4"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30))
      << "the sibling's sleep was not stopped";
  ExpectNoLeftovers();
}

}  // namespace
}  // namespace imgbuild::builder
