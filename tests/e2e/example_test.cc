// The bundled example (examples/hello), built as the README builds it, runs
// under runc and under podman and says hello.
#include <regex>

#include "tests/e2e/e2e_testing.h"

namespace imgbuild::e2e {
namespace {

const std::string kExample = kSourceDir + "/examples/hello";

class ExampleTest : public E2eTest {};

TEST_F(ExampleTest, BuildsIntoTheStoreAndPrintsTheImageId) {
  std::string id = MustBuild(kExample, "-f " + Quote(kExample + "/Buildfile") + " -t hello");
  EXPECT_TRUE(std::regex_match(id, std::regex("sha256:[0-9a-f]{64}"))) << id;
  CommandResult images = Imgbuild("images");
  EXPECT_NE(images.output.find("hello"), std::string::npos) << images.output;
  CommandResult inspect = Imgbuild("inspect hello");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_NE(inspect.output.find(id.substr(7, 12)), std::string::npos)
      << "inspect does not show the image ID " << id << ":\n" << inspect.output;
}

TEST_F(ExampleTest, RunsUnderRuncAsItsUserInItsWorkdir) {
  std::string layout = BuildLayout(kExample, "hello", "-f " + Quote(kExample + "/Buildfile"));
  EXPECT_EQ(RunWithRunc(layout), "hello from imgbuild\n");
  // The RUN step's output, USER 1000:1000, WORKDIR $APP_HOME, and the program
  // copied from the build stage with that stage's mode and owner.
  EXPECT_EQ(RunWithRunc(layout, {"sh", "-c",
                                 "cat greeting.txt; id -u; id -g; pwd; "
                                 "stat -c '%a %u:%g' bin/hello; echo $APP_HOME"}),
            "hello from imgbuild\n1000\n1000\n/app\n755 0:0\n/app\n");
}

TEST_F(ExampleTest, RunsUnderPodman) {
  EXPECT_EQ(RunWithPodman(kExample, "hello"), "hello from imgbuild\n");
  EXPECT_EQ(RunWithPodman(kExample, "hello", {"cat", "/app/greeting.txt"}),
            "hello from imgbuild\n");
}

}  // namespace
}  // namespace imgbuild::e2e
