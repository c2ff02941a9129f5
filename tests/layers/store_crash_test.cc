// Kills a process that writes blobs and tags images at random moments and
// checks that the store is consistent after every crash.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "layers/store.h"
#include "layers/store_fsck.h"
#include "layers/store_prune.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

constexpr int kIterations = 30;
constexpr int kMaxDelayMs = 80;

Descriptor WriteRandomLayer(const Store& store, std::mt19937& random) {
  std::string chunk(4096, '\0');
  BlobWriter writer = store.NewBlob();
  size_t chunks = random() % 64;
  for (size_t i = 0; i < chunks; ++i) {
    for (char& c : chunk) c = static_cast<char>(random());
    writer.Write(chunk.data(), chunk.size());
  }
  int64_t size = writer.size();
  return {.media_type = std::string(media_types::kOciLayerGzip),
          .digest = writer.Commit(),
          .size = size};
}

// The child's endless job: layers, configs, manifests, tags and untags.
// It writes a byte to `tagged_fd` after each tag.
[[noreturn]] void WriteForever(const std::string& root, unsigned seed, int tagged_fd) {
  try {
    Store store(root);
    std::mt19937 random(seed);
    for (unsigned round = 0;; ++round) {
      std::vector<Descriptor> layers = {WriteRandomLayer(store, random),
                                        WriteRandomLayer(store, random)};
      ImageConfig config{.created = std::to_string(seed) + "-" + std::to_string(round),
                         .architecture = "amd64",
                         .os = "linux"};
      for (const Descriptor& layer : layers) config.diff_ids.push_back(layer.digest);
      Descriptor manifest =
          store.PutManifest(Manifest{.config = store.PutConfig(config), .layers = layers});
      store.Tag("crash:" + std::to_string(round % 4), manifest);
      WriteAll(tagged_fd, "t", 1, "pipe");
      if (round % 3 == 2) store.Untag("crash:" + std::to_string((round + 1) % 4));
    }
  } catch (const std::exception& e) {
    fprintf(stderr, "writer failed: %s\n", e.what());
    _exit(1);
  }
}

// Waits until the child reports its first tag.
bool WaitForTag(int fd) {
  pollfd ready{.fd = fd, .events = POLLIN, .revents = 0};
  return poll(&ready, 1, 10000) == 1;
}

TEST(StoreCrashTest, StoreStaysConsistentWhenWritersAreKilled) {
  TempDir dir;
  Store store(dir.path());
  std::mt19937 random(20240601);
  size_t stale_temp_files = 0;
  auto start = std::chrono::steady_clock::now();
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    UniqueFd tagged(pipe_fds[0]), tagged_writer(pipe_fds[1]);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) WriteForever(dir.path(), static_cast<unsigned>(iteration), tagged_writer.get());
    tagged_writer.Reset();
    // Half the kills come after a first tag, however slow the disk is, so
    // that later phases and untags are hit too.
    if (iteration % 2 == 1) {
      EXPECT_TRUE(WaitForTag(tagged.get())) << "the writer did not tag within 10 s";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % kMaxDelayMs));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped on its own (status " << status << ")";

    EXPECT_NO_THROW(store.ReadIndexJson()) << "iteration " << iteration;
    FsckReport report = Fsck(store);
    ASSERT_TRUE(report.consistent()) << "iteration " << iteration << ": " << report.Summary();
    stale_temp_files += report.Of(FsckIssue::Kind::kStaleTempFile).size();
    if (iteration % 5 == 4) {
      Prune(store);
      FsckReport pruned = Fsck(store);
      ASSERT_TRUE(pruned.issues.empty()) << "after prune: " << pruned.Summary();
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("seconds", std::to_string(seconds));
  EXPECT_GT(stale_temp_files, 0u) << "no kill landed while a blob was being written";
  EXPECT_FALSE(store.List().empty()) << "the writers never got as far as tagging";
  EXPECT_LT(seconds, 20.0);
}

}  // namespace
}  // namespace imgbuild::layers
