// Helpers shared by the compression and layer encoding tests.
#ifndef IMGBUILD_TESTS_LAYERS_COMPRESSION_TESTING_H_
#define IMGBUILD_TESTS_LAYERS_COMPRESSION_TESTING_H_

#include <archive.h>
#include <sys/wait.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "layers/sink.h"

namespace imgbuild::layers::testkit {

/// Collects everything written into a string.
class StringSink : public ByteSink {
 public:
  void Write(const void* data, size_t size) override {
    bytes.append(static_cast<const char*>(data), size);
  }
  std::string bytes;
};

/// Deterministic bytes of `size` alternating between compressible text-like
/// runs and incompressible random runs, like a layer of mixed files.
inline std::string MixedBytes(size_t size, uint64_t seed = 1) {
  static constexpr std::string_view kWords[] = {"layer ", "image ", "digest ", "\n", "tar ",
                                                "usr/lib/", "0x7f ", "build ", "{\"a\": 1}"};
  std::mt19937_64 random(seed);
  std::string bytes;
  bytes.reserve(size);
  while (bytes.size() < size) {
    size_t run = 1 + random() % 200000;
    if (random() % 3 == 0) {
      for (size_t i = 0; i < run; i += 8) {
        uint64_t word = random();
        bytes.append(reinterpret_cast<const char*>(&word), std::min<size_t>(8, run - i));
      }
    } else {
      while (run > 0) {
        std::string_view word = kWords[random() % std::size(kWords)];
        bytes += word;
        run -= std::min(run, word.size());
      }
    }
  }
  bytes.resize(size);
  return bytes;
}

inline void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Inflates `compressed` with zlib (window_bits -15: raw DEFLATE, 31: one
/// gzip member), failing the test unless the stream ends exactly at the end
/// of `compressed` and decodes to at most `max_size` bytes.
inline std::string InflateExactly(std::string_view compressed, int window_bits, size_t max_size) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, window_bits), Z_OK);
  std::string out(max_size + 1, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  EXPECT_EQ(z.avail_in, 0u) << "bytes left after the end of the stream";
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

/// Runs `command` with /bin/sh and returns its standard output. Records a
/// test failure quoting the command when it exits non-zero.
inline std::string RunTool(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) {
    ADD_FAILURE() << "cannot run: " << command;
    return "";
  }
  std::string output;
  char buffer[1 << 16];
  while (size_t got = fread(buffer, 1, sizeof(buffer), pipe.get())) output.append(buffer, got);
  int status = pclose(pipe.release());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "`" << command << "` failed (status " << status << "); is the tool installed? "
      << "scripts/setup.sh installs it";
  return output;
}

/// The hex sha256 of the file at `path` as sha256sum computes it.
inline std::string Sha256sum(const std::string& path) {
  return RunTool("sha256sum '" + path + "'").substr(0, 64);
}

/// Decompresses the file at `path` with libarchive's own filters (what
/// imgbuild uses to read layers), as one raw stream.
inline std::string ReadWithLibarchive(const std::string& path) {
  std::unique_ptr<archive, int (*)(archive*)> reader(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_raw(reader.get());
  archive_read_support_format_empty(reader.get());
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    ADD_FAILURE() << "libarchive cannot open " << path << ": " << archive_error_string(reader.get());
    return "";
  }
  std::string output;
  archive_entry* entry = nullptr;
  int status = archive_read_next_header(reader.get(), &entry);
  if (status == ARCHIVE_EOF) return output;
  if (status != ARCHIVE_OK) {
    ADD_FAILURE() << "libarchive cannot read " << path << ": " << archive_error_string(reader.get());
    return "";
  }
  char buffer[1 << 16];
  la_ssize_t got = 0;
  while ((got = archive_read_data(reader.get(), buffer, sizeof(buffer))) > 0) {
    output.append(buffer, static_cast<size_t>(got));
  }
  EXPECT_EQ(got, 0) << "libarchive read error in " << path << ": " << archive_error_string(reader.get());
  return output;
}

}  // namespace imgbuild::layers::testkit

#endif  // IMGBUILD_TESTS_LAYERS_COMPRESSION_TESTING_H_
