// Times PrepareCopy of `COPY . /ctx/` over a context directory, the step
// the executor runs on every build: once cold (empty stat cache, every file
// read) and then warm (the stat cache saved and loaded again, as a no-op
// rebuild does). Prints key=value lines for bench/copy_bench.sh.
#include <chrono>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "builder/copy_step.h"
#include "builder/dockerignore.h"
#include "builder/stat_cache.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

double Prepare(const std::string& context, const IgnoreRules& ignore, StatCache& cache,
               std::string* digest, size_t* objects) {
  parser::CopyCommand copy;
  copy.sources = {"."};
  copy.destination = "/ctx/";
  TempDir staging("copy-bench-");
  auto start = std::chrono::steady_clock::now();
  PreparedCopy prepared = PrepareCopy(copy, SourceTree{context, &ignore, "build context"}, cache,
                                      {"bench:1", staging.path(), nullptr});
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *digest = prepared.content_digest().ToString();
  *objects = prepared.object_count();
  return seconds;
}

int Run(int argc, char** argv) {
  CLI::App app("Times PrepareCopy over a context, cold and with a warm stat cache.");
  std::string context;
  std::string cache_file;
  int runs = 5;
  app.add_option("context", context, "context directory")->required();
  app.add_option("-c,--cache", cache_file, "stat cache file (replaced)")->required();
  app.add_option("-r,--runs", runs, "warm runs; the fastest counts")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    IgnoreRules ignore = IgnoreRules::ForBuild(context, context + "/Dockerfile");
    std::remove(cache_file.c_str());
    std::string digest, warm_digest;
    size_t objects = 0;
    StatCache cold = StatCache::Load(cache_file);
    double cold_seconds = Prepare(context, ignore, cold, &digest, &objects);
    cold.Save(cache_file);
    std::printf("objects=%zu\ncold_seconds=%.4f\ncold_files_read=%zu\n", objects, cold_seconds,
                cold.files_read());
    double best = 1e9;
    size_t warm_reads = 0;
    for (int run = 0; run < runs; ++run) {
      auto start = std::chrono::steady_clock::now();
      StatCache warm = StatCache::Load(cache_file);
      Prepare(context, ignore, warm, &warm_digest, &objects);
      warm.Save(cache_file);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                                .count());
      warm_reads = warm.files_read();
    }
    std::printf("warm_seconds=%.4f\nwarm_files_read=%zu\ndigests_equal=%d\n", best, warm_reads,
                digest == warm_digest ? 1 : 0);
    return 0;
  } catch (const Error& error) {
    std::fprintf(stderr, "copy_prepare_bench: %s\n", error.what());
    return 1;
  }
}

}  // namespace
}  // namespace imgbuild::builder

int main(int argc, char** argv) { return imgbuild::builder::Run(argc, argv); }
