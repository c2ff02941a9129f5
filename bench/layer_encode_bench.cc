// Runs the layer encoder over a tar stream read from a file or stdin and
// prints the layer's digests, the time taken and the peak memory, as
// key=value lines for bench/layer_bench.sh.
#include <fcntl.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "layers/layer_encoder.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::layers {
namespace {

class NullSink : public ByteSink {
 public:
  void Write(const void*, size_t) override {}
};

double CpuSeconds(const timeval& time) { return static_cast<double>(time.tv_sec) + time.tv_usec / 1e6; }

int Run(int argc, char** argv) {
  CLI::App app("Encodes a tar stream into a layer blob and reports digests, time and memory.");
  std::string input = "-";
  std::string output;
  std::string compression = "gzip";
  std::optional<int> level;
  unsigned threads = 0;
  size_t read_size = 64 << 10;
  app.add_option("input", input, "tar stream to encode; - for stdin")->capture_default_str();
  app.add_option("-c,--compression", compression, "gzip, zstd or uncompressed")->capture_default_str();
  app.add_option("-l,--level", level, "compression level (default: the format's)");
  app.add_option("-t,--threads", threads, "compression threads; 0 = one per usable CPU")->capture_default_str();
  app.add_option("-o,--output", output, "write the blob here (default: discard it)");
  app.add_option("--read-size", read_size, "bytes per read, i.e. per encoder write")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  CompressionOptions options;
  options.compression = ParseCompression(compression);
  options.level = level;
  options.threads = threads;

  UniqueFd input_fd = input == "-" ? UniqueFd(dup(0)) : OpenOrThrow(input, O_RDONLY);
  UniqueFd output_fd;
  NullSink null_sink;
  std::optional<FdSink> file_sink;
  if (!output.empty()) {
    output_fd = OpenOrThrow(output, O_WRONLY | O_CREAT | O_TRUNC);
    file_sink.emplace(output_fd.get(), output);
  }
  ByteSink& destination = file_sink ? static_cast<ByteSink&>(*file_sink) : null_sink;

  auto start = std::chrono::steady_clock::now();
  LayerEncoder encoder(destination, options);
  std::vector<char> buffer(read_size);
  while (size_t got = ReadSome(input_fd.get(), buffer.data(), buffer.size(), input)) {
    encoder.Write(buffer.data(), got);
  }
  EncodedLayer layer = encoder.Finish();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("media_type=%s\ndiff_id=%s\ndigest=%s\nsize=%llu\nuncompressed_size=%llu\n",
              layer.media_type.c_str(), layer.diff_id.ToString().c_str(), layer.digest.ToString().c_str(),
              static_cast<unsigned long long>(layer.size),
              static_cast<unsigned long long>(layer.uncompressed_size));
  std::printf("seconds=%.3f\nuser_seconds=%.3f\nsystem_seconds=%.3f\nmax_rss_kb=%ld\n", seconds,
              CpuSeconds(usage.ru_utime), CpuSeconds(usage.ru_stime), usage.ru_maxrss);
  return 0;
}

}  // namespace
}  // namespace imgbuild::layers

int main(int argc, char** argv) {
  try {
    return imgbuild::layers::Run(argc, argv);
  } catch (const imgbuild::Error& e) {
    std::fprintf(stderr, "layer_encode_bench: %s\n", e.what());
    return 1;
  }
}
