#include "layers/layer_encoder.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "tests/layers/compression_testing.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using testkit::MixedBytes;
using testkit::RunTool;

constexpr const char* kEmptySha256 =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Encodes `tar` into the file at `path`, in writes of `chunk` bytes.
EncodedLayer EncodeToFile(std::string_view tar, Compression compression, const std::string& path,
                          size_t chunk = 10240) {
  UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT | O_TRUNC);
  FdSink file(fd.get(), path);
  CompressionOptions options;
  options.compression = compression;
  LayerEncoder encoder(file, options);
  for (size_t offset = 0; offset < tar.size(); offset += chunk) {
    encoder.Write(tar.data() + offset, std::min(chunk, tar.size() - offset));
  }
  return encoder.Finish();
}

// The shell command that writes the decompressed blob at `path` to stdout.
std::string DecompressCommand(Compression compression, const std::string& path) {
  switch (compression) {
    case Compression::kGzip:
      return "gzip -dc '" + path + "'";
    case Compression::kZstd:
      return "zstd -qdc '" + path + "'";
    case Compression::kNone:
      break;
  }
  return "cat '" + path + "'";
}

// Reads the tar blob at `path` with libarchive (any compression) into
// path -> contents for regular files.
std::map<std::string, std::string> ListTar(const std::string& path) {
  std::unique_ptr<archive, int (*)(archive*)> reader(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  std::map<std::string, std::string> files;
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    ADD_FAILURE() << "libarchive cannot open " << path << ": " << archive_error_string(reader.get());
    return files;
  }
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string& contents = files[archive_entry_pathname(entry)];
    char buffer[1 << 16];
    while (la_ssize_t got = archive_read_data(reader.get(), buffer, sizeof(buffer))) {
      if (got < 0) {
        ADD_FAILURE() << "libarchive: " << archive_error_string(reader.get());
        break;
      }
      contents.append(buffer, static_cast<size_t>(got));
    }
  }
  return files;
}

class LayerEncoderTest : public ::testing::TestWithParam<Compression> {
 protected:
  // Checks every figure in `layer` against external tools run on the blob.
  void ExpectDescribes(const EncodedLayer& layer, const std::string& blob_path, std::string_view tar) {
    EXPECT_EQ(layer.digest.ToString(), "sha256:" + testkit::Sha256sum(blob_path));
    EXPECT_EQ(layer.size, std::filesystem::file_size(blob_path));
    std::string diff_id = RunTool(DecompressCommand(GetParam(), blob_path) + " | sha256sum").substr(0, 64);
    EXPECT_EQ(layer.diff_id.ToString(), "sha256:" + diff_id);
    EXPECT_EQ(layer.diff_id, DigestOf(tar));
    EXPECT_EQ(layer.uncompressed_size, tar.size());
    EXPECT_EQ(layer.media_type, LayerMediaType(GetParam()));
  }
};

TEST_P(LayerEncoderTest, EncodesATarThatLibarchiveReads) {
  TempDir dir;
  std::string tree = dir.path() + "/tree";
  std::filesystem::create_directories(tree + "/etc");
  testkit::WriteFile(tree + "/etc/os-release", "ID=imgbuild\n");
  testkit::WriteFile(tree + "/data.bin", MixedBytes(3'000'000, 21));
  std::string tar = RunTool("tar --sort=name -cf - -C '" + tree + "' .");
  ASSERT_GT(tar.size(), 3'000'000u);

  std::string blob = dir.path() + "/blob";
  ExpectDescribes(EncodeToFile(tar, GetParam(), blob), blob, tar);
  std::map<std::string, std::string> files = ListTar(blob);
  EXPECT_EQ(files["./etc/os-release"], "ID=imgbuild\n");
  EXPECT_TRUE(files["./data.bin"] == MixedBytes(3'000'000, 21)) << "data.bin differs";
}

using CompressedLayerEncoderTest = LayerEncoderTest;

TEST_P(CompressedLayerEncoderTest, EncodesLargeMixedStreams) {
  TempDir dir;
  std::string stream = MixedBytes(50'000'000, 22);
  std::string blob = dir.path() + "/blob";
  ExpectDescribes(EncodeToFile(stream, GetParam(), blob, 1 << 20), blob, stream);
}

TEST_P(LayerEncoderTest, EncodesAnEmptyStream) {
  TempDir dir;
  std::string blob = dir.path() + "/blob";
  EncodedLayer layer = EncodeToFile("", GetParam(), blob);
  EXPECT_EQ(layer.diff_id.ToString(), kEmptySha256);
  EXPECT_EQ(layer.uncompressed_size, 0u);
  ExpectDescribes(layer, blob, "");
}

TEST_P(LayerEncoderTest, ResultDoesNotDependOnWriteSizes) {
  TempDir dir;
  std::string stream = MixedBytes(3'000'000, 23);
  EncodedLayer whole = EncodeToFile(stream, GetParam(), dir.path() + "/a", stream.size() + 1);
  EncodedLayer bytewise = EncodeToFile(stream, GetParam(), dir.path() + "/b", 1);
  EXPECT_EQ(bytewise.digest, whole.digest);
  EXPECT_EQ(bytewise.diff_id, whole.diff_id);
  EXPECT_EQ(bytewise.size, whole.size);
}

TEST_P(LayerEncoderTest, FinishAfterCloseKeepsTheResultAndLaterWritesFail) {
  testkit::StringSink sink;
  CompressionOptions options;
  options.compression = GetParam();
  LayerEncoder encoder(sink, options);
  encoder.Write("tar", 3);
  encoder.Close();  // as a tar writer ending its stream would
  encoder.Close();
  EncodedLayer layer = encoder.Finish();
  EXPECT_EQ(layer.diff_id, DigestOf("tar"));
  EXPECT_EQ(layer.digest, DigestOf(sink.bytes));
  EXPECT_EQ(layer.size, sink.bytes.size());
  EXPECT_THROW(encoder.Write("more", 4), Error);
}

TEST_P(LayerEncoderTest, RefusesToFinishAfterADestinationError) {
  class FullDisk : public ByteSink {
   public:
    void Write(const void*, size_t) override { Fail("disk full (test)"); }
  };
  FullDisk disk;
  CompressionOptions options;
  options.compression = GetParam();
  LayerEncoder encoder(disk, options);
  std::string tar = MixedBytes(3'000'000, 25);
  try {
    encoder.Write(tar.data(), tar.size());
    encoder.Close();
    ADD_FAILURE() << "no error from a failing destination";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "disk full (test)");
  }
  try {
    encoder.Finish();
    ADD_FAILURE() << "finished an incomplete layer";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the layer is incomplete after an earlier error"), std::string::npos)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, LayerEncoderTest,
                         ::testing::Values(Compression::kGzip, Compression::kZstd, Compression::kNone),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

INSTANTIATE_TEST_SUITE_P(Formats, CompressedLayerEncoderTest,
                         ::testing::Values(Compression::kGzip, Compression::kZstd),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(LayerMediaTypeTest, NamesTheOciLayerTypes) {
  EXPECT_EQ(LayerMediaType(Compression::kGzip), "application/vnd.oci.image.layer.v1.tar+gzip");
  EXPECT_EQ(LayerMediaType(Compression::kZstd), "application/vnd.oci.image.layer.v1.tar+zstd");
  EXPECT_EQ(LayerMediaType(Compression::kNone), "application/vnd.oci.image.layer.v1.tar");
}

TEST(LayerEncoderTest, UncompressedBlobIsTheTar) {
  testkit::StringSink sink;
  CompressionOptions options;
  options.compression = Compression::kNone;
  LayerEncoder encoder(sink, options);
  std::string tar = MixedBytes(100'000, 24);
  encoder.Write(tar.data(), tar.size());
  EncodedLayer layer = encoder.Finish();
  EXPECT_TRUE(sink.bytes == tar);
  EXPECT_EQ(layer.digest, layer.diff_id);
  EXPECT_EQ(layer.size, tar.size());
}

}  // namespace
}  // namespace imgbuild::layers
