#include "layers/layer_encoder.h"

#include "util/error.h"

namespace imgbuild::layers {

// Hashes and counts the blob bytes on their way to the destination.
class LayerEncoder::BlobCounter : public ByteSink {
 public:
  explicit BlobCounter(ByteSink& destination) : destination_(destination) {}
  void Write(const void* data, size_t size) override {
    hasher_.Update(data, size);
    destination_.Write(data, size);
  }
  Hasher& hasher() { return hasher_; }

 private:
  ByteSink& destination_;
  Hasher hasher_;
};

std::string_view LayerMediaType(Compression compression) {
  switch (compression) {
    case Compression::kGzip:
      return "application/vnd.oci.image.layer.v1.tar+gzip";
    case Compression::kZstd:
      return "application/vnd.oci.image.layer.v1.tar+zstd";
    case Compression::kNone:
      break;
  }
  return "application/vnd.oci.image.layer.v1.tar";
}

LayerEncoder::LayerEncoder(ByteSink& destination, const CompressionOptions& options)
    : compression_(options.compression),
      blob_(std::make_unique<BlobCounter>(destination)),
      compressor_(MakeCompressor(options, *blob_)) {}

LayerEncoder::~LayerEncoder() = default;

void LayerEncoder::Write(const void* data, size_t size) {
  if (result_) Fail("layer encoder: write after Close");
  ThrowIfBroken();
  try {
    // Uncompressed, the blob is the tar: its digest is the diff ID.
    if (compression_ != Compression::kNone) diff_id_.Update(data, size);
    compressor_->Write(data, size);
  } catch (...) {
    broken_ = true;
    throw;
  }
}

void LayerEncoder::Close() {
  if (result_) return;
  ThrowIfBroken();
  try {
    compressor_->Close();
  } catch (...) {
    broken_ = true;
    throw;
  }
  uint64_t size = blob_->hasher().size();
  Digest digest = blob_->hasher().Finish();
  bool compressed = compression_ != Compression::kNone;
  result_ = EncodedLayer{
      .diff_id = compressed ? diff_id_.Finish() : digest,
      .digest = digest,
      .size = size,
      .uncompressed_size = compressed ? diff_id_.size() : size,
      .media_type = std::string(LayerMediaType(compression_)),
  };
}

void LayerEncoder::ThrowIfBroken() const {
  if (broken_) Fail("layer encoder: the layer is incomplete after an earlier error; start it again");
}

EncodedLayer LayerEncoder::Finish() {
  Close();
  return *result_;
}

}  // namespace imgbuild::layers
