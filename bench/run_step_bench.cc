// What one `RUN true` step costs, phase by phase, with the executor's own
// parts: mount the stage's snapshots (RootfsMount), run `true` in the
// sandbox, commit the upper directory as a layer and snapshot, write the
// cache record. Each step stacks on the one before, as a recipe of
// consecutive RUN lines does. Prints the median and total of each phase in
// milliseconds, for bench/build_bench.sh's per-step figure to be explained.
// Needs root and a store holding IMAGE (e.g. `imgbuild load` of the busybox
// fixture, scripts/make-fixtures.sh).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "builder/build_cache.h"
#include "builder/rootfs_mount.h"
#include "builder/sandbox.h"
#include "layers/snapshots.h"
#include "layers/store.h"
#include "util/error.h"

namespace imgbuild::builder {
namespace {

using Clock = std::chrono::steady_clock;

class PhaseTimes {
 public:
  template <typename Function>
  auto Time(const std::string& phase, Function&& function) {
    Clock::time_point start = Clock::now();
    struct Record {
      PhaseTimes& times;
      const std::string& phase;
      Clock::time_point start;
      ~Record() {
        times.samples_[phase].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
    } record{*this, phase, start};
    return function();
  }

  void Print(const std::vector<std::string>& order) const {
    for (const std::string& phase : order) {
      std::vector<double> values = samples_.at(phase);
      std::sort(values.begin(), values.end());
      double total = 0;
      for (double value : values) total += value;
      std::printf("%-10s median %7.2f ms  total %8.1f ms  (%zu steps)\n", phase.c_str(),
                  values[values.size() / 2], total, values.size());
    }
  }

 private:
  std::map<std::string, std::vector<double>> samples_;
};

int Run(int argc, char** argv) {
  CLI::App app("Times the phases of consecutive RUN true steps on an image in a store.");
  std::string root;
  std::string image = "busybox:latest";
  int steps = 20;
  app.add_option("-r,--root", root, "store root holding the image")->required();
  app.add_option("-i,--image", image, "base image")->capture_default_str();
  app.add_option("-n,--steps", steps, "RUN true steps")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  layers::Store store(root);
  layers::Snapshots snapshots(store);
  BuildCache cache(store);
  layers::Manifest manifest = store.ReadManifest(store.Resolve(image));
  layers::ImageConfig config = store.ReadConfig(manifest.config);
  LayerStack stack{manifest.layers, config.diff_ids};
  BuildScratch scratch(snapshots);
  layers::SnapshotLease lease = snapshots.NewLease();
  SandboxSpec spec;
  spec.argv = {"true"};
  spec.env = config.config.env;
  spec.etc_dir = scratch.SandboxEtcDir(spec.network);
  PhaseTimes times;
  Clock::time_point start = Clock::now();
  for (int step = 0; step < steps; ++step) {
    times.Time("step", [&] {
      RootfsMount rootfs = times.Time("mount", [&] {
        return RootfsMount(store, snapshots, scratch, stack, lease);
      });
      spec.rootfs = rootfs.path();
      SandboxResult result = times.Time("sandbox", [&] { return RunInSandbox(spec, nullptr); });
      if (!result.Succeeded()) Fail("run_step_bench: RUN true: {}", result.Describe());
      layers::BuiltLayer layer = times.Time("commit", [&] {
        return rootfs.Commit(layers::LayerBuildOptions{}, "RUN true");
      });
      times.Time("cache", [&] {
        layers::Digest key = layers::DigestOf(fmt::format("run-step-bench {} {}",
                                                          Clock::now().time_since_epoch().count(),
                                                          step));
        cache.Put(key, {layer.descriptor, layer.diff_id, "RUN true"});
      });
      stack.layers.push_back(layer.descriptor);
      stack.diff_ids.push_back(layer.diff_id);
    });
  }
  double total = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  times.Print({"mount", "sandbox", "commit", "cache", "step"});
  std::printf("all steps %.1f ms, %.2f ms per step\n", total, total / steps);
  return 0;
}

}  // namespace
}  // namespace imgbuild::builder

int main(int argc, char** argv) {
  try {
    return imgbuild::builder::Run(argc, argv);
  } catch (const imgbuild::Error& error) {
    std::fprintf(stderr, "run_step_bench: %s\n", error.what());
    return 1;
  }
}
