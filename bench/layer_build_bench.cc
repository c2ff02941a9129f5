// Builds one layer into a store with the real layer builder (tar writer ->
// encoder -> blob writer), from a directory or an overlayfs upper
// directory, and prints the layer, the time taken and the peak memory as
// key=value lines for bench/layer_bench.sh.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "layers/layer_builder.h"
#include "layers/store.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

double Seconds(const timeval& time) {
  return static_cast<double>(time.tv_sec) + time.tv_usec / 1e6;
}

int Run(int argc, char** argv) {
  CLI::App app("Builds a layer from a directory into a store; reports digests, time and memory.");
  std::string source;
  std::string store_root;
  std::string compression = "gzip";
  std::optional<int> level;
  unsigned threads = 0;
  bool upper = false;
  app.add_option("source", source, "directory to turn into a layer")->required();
  app.add_option("-s,--store", store_root, "store root (created if missing)")->required();
  app.add_option("-c,--compression", compression, "gzip, zstd or uncompressed")
      ->capture_default_str();
  app.add_option("-l,--level", level, "compression level (default: the format's)");
  app.add_option("-t,--threads", threads, "compression threads; 0 = one per usable CPU")
      ->capture_default_str();
  app.add_flag("--overlay-upper", upper, "SOURCE is an overlayfs upper directory");
  CLI11_PARSE(app, argc, argv);

  Store store(store_root);
  LayerBuildOptions options{
      .compression = ParseCompression(compression), .level = level, .threads = threads};
  auto start = std::chrono::steady_clock::now();
  BuiltLayer layer = upper ? BuildOverlayUpperLayer(store, source, options)
                           : BuildDirectoryLayer(store, source, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("media_type=%s\ndiff_id=%s\ndigest=%s\nsize=%lld\n",
              layer.descriptor.media_type.c_str(), layer.diff_id.ToString().c_str(),
              layer.descriptor.digest.ToString().c_str(),
              static_cast<long long>(layer.descriptor.size));
  std::printf("uncompressed_size=%llu\nentries=%llu\n",
              static_cast<unsigned long long>(layer.uncompressed_size),
              static_cast<unsigned long long>(layer.entries));
  std::printf("blob=%s\nseconds=%.3f\nuser_seconds=%.3f\nsystem_seconds=%.3f\nmax_rss_kb=%ld\n",
              store.BlobPath(layer.descriptor.digest).c_str(), seconds, Seconds(usage.ru_utime),
              Seconds(usage.ru_stime), usage.ru_maxrss);
  return 0;
}

}  // namespace
}  // namespace imgbuild::layers

int main(int argc, char** argv) {
  try {
    return imgbuild::layers::Run(argc, argv);
  } catch (const imgbuild::Error& e) {
    std::fprintf(stderr, "layer_build_bench: %s\n", e.what());
    return 1;
  }
}
