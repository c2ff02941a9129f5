// Images imgbuild builds behave in real runtimes as Docker's would: the
// config (ENTRYPOINT, CMD, ENV, USER, WORKDIR) drives the container, deleted
// files stay deleted, stages hand over their results, and a failing RUN
// fails the build cleanly.
#include <fstream>

#include "tests/e2e/e2e_testing.h"

namespace imgbuild::e2e {
namespace {

class RuntimeTest : public E2eTest {};

TEST_F(RuntimeTest, EntrypointAndCmdMakeTheCommand) {
  std::string context = WriteContext("entry", {{"Buildfile",
                                                "FROM busybox:latest\n"
                                                "ENTRYPOINT [\"/bin/echo\", \"entry\"]\n"
                                                "CMD [\"default\"]\n"}});
  EXPECT_EQ(RunWithRunc(BuildLayout(context, "entry")), "entry default\n");
  // podman appends its arguments to the ENTRYPOINT, replacing CMD.
  EXPECT_EQ(RunWithPodman(context, "entry", {"given"}), "entry given\n");
}

TEST_F(RuntimeTest, EnvUserAndWorkdirReachTheContainer) {
  std::string context = WriteContext("user", {{"Buildfile",
                                               "FROM busybox:latest\n"
                                               "ENV GREETING=\"hello e2e\"\n"
                                               // BuildKit makes WORKDIR as the current
                                               // user: after USER, app owns it.
                                               "USER app\n"
                                               "WORKDIR /home/app/work\n"
                                               "RUN touch mine\n"
                                               "CMD [\"sh\", \"-c\", \"echo $GREETING; id -un; "
                                               "id -gn; pwd; stat -c %U mine\"]\n"}});
  EXPECT_EQ(RunWithRunc(BuildLayout(context, "user")), "hello e2e\napp\napp\n/home/app/work\napp\n");
}

TEST_F(RuntimeTest, WhatLaterStepsDeleteIsGone) {
  std::string context = WriteContext(
      "deleted",
      {{"Buildfile",
        "FROM busybox:latest\n"
        "RUN mkdir -p /data/old && echo x > /data/old/file && echo keep > /data/keep\n"
        "RUN rm -rf /data/old /usr/local/bin && rm /etc/group\n"
        "RUN mkdir /data/old && echo new > /data/old/new\n"
        "CMD [\"sh\", \"-c\", \"ls /data/old; cat /data/keep; test -e /usr/local/bin || "
        "echo no-local-bin; test -e /etc/group || echo no-group\"]\n"}});
  EXPECT_EQ(RunWithRunc(BuildLayout(context, "deleted")), "new\nkeep\nno-local-bin\nno-group\n");
}

TEST_F(RuntimeTest, ContextArgsAndStagesMakeTheProgram) {
  std::string context = WriteContext(
      "stages",
      {{"Buildfile",
        "FROM busybox:latest AS build\n"
        "ARG WHO=nobody\n"
        "COPY src/ /src/\n"
        "RUN printf '#!/bin/sh\\necho built for %s\\ncat /usr/share/tool/*\\n' \"$WHO\" > /tool"
        " && chmod 755 /tool\n"
        "FROM busybox:latest\n"
        "COPY --from=build /tool /usr/local/bin/tool\n"
        "COPY --from=build /src /usr/share/tool\n"
        "CMD [\"tool\"]\n"},
       {".dockerignore", "src/*.log\n"},
       {"src/a.txt", "a\n"},
       {"src/b.txt", "b\n"},
       {"src/debug.log", "must not be copied\n"}});
  std::string layout = BuildLayout(context, "stages", "--build-arg WHO=tests");
  EXPECT_EQ(RunWithRunc(layout), "built for tests\na\nb\n");
  EXPECT_EQ(RunWithRunc(layout, {"ls", "/usr/share/tool"}), "a.txt\nb.txt\n");
  EXPECT_EQ(RunWithPodman(context, "stages", {"tool"}), "built for nobody\na\nb\n");
}

TEST_F(RuntimeTest, NetworkNoneLeavesOnlyLoopback) {
  std::string context =
      WriteContext("network", {{"Buildfile",
                                "FROM busybox:latest\n"
                                "RUN awk -F: 'NR > 2 { sub(/ +/, \"\", $1); print $1 }' "
                                "/proc/net/dev > /interfaces\n"
                                "CMD [\"cat\", \"/interfaces\"]\n"}});
  EXPECT_EQ(RunWithRunc(BuildLayout(context, "network", "--network none")), "lo\n");
}

TEST_F(RuntimeTest, FailingRunNamesTheLineAndLeavesNoMount) {
  std::string context = WriteContext("failing", {{"Buildfile",
                                                  "FROM busybox:latest\n"
                                                  "RUN echo before\n"
                                                  "RUN echo failing >&2; exit 7\n"
                                                  "RUN echo never\n"}});
  CommandResult built =
      Imgbuild("build --progress plain -t failing " + Quote(context));
  EXPECT_NE(built.exit_code, 0) << built.output;
  EXPECT_NE(built.output.find("Buildfile:3"), std::string::npos) << built.output;
  EXPECT_NE(built.output.find("exit 7"), std::string::npos) << built.output;
  EXPECT_NE(built.output.find("failing"), std::string::npos) << built.output;
  std::ifstream mounts("/proc/self/mountinfo");
  for (std::string line; std::getline(mounts, line);) {
    EXPECT_EQ(line.find(dir_.path()), std::string::npos) << "left mounted: " << line;
  }
  EXPECT_NE(Imgbuild("inspect failing").exit_code, 0) << "a failed build must not be tagged";
}

}  // namespace
}  // namespace imgbuild::e2e
