#include "layers/layer_builder.h"

#include <functional>

#include "layers/layer_encoder.h"
#include "layers/store.h"
#include "layers/tar_writer.h"

namespace imgbuild::layers {
namespace {

using TarWrite = std::function<TarWriteResult(ByteSink&, const TarWriterOptions&)>;

BuiltLayer Build(const Store& store, const LayerBuildOptions& options, const TarWrite& write) {
  BlobWriter blob = store.NewBlob();
  LayerEncoder encoder(blob, CompressionOptions{.compression = options.compression,
                                                .level = options.level,
                                                .threads = options.threads});
  TarWriterOptions tar_options{.epoch = options.source_date_epoch,
                               .overlay_xattrs = options.overlay_xattrs};
  TarWriteResult tar = write(encoder, tar_options);
  EncodedLayer layer = encoder.Finish();
  // The blob writer hashes too: Commit cross-checks what the encoder saw.
  blob.Commit(layer.digest, static_cast<int64_t>(layer.size));
  return BuiltLayer{
      .descriptor = Descriptor{.media_type = layer.media_type,
                               .digest = layer.digest,
                               .size = static_cast<int64_t>(layer.size)},
      .diff_id = layer.diff_id,
      .uncompressed_size = layer.uncompressed_size,
      .entries = tar.entries,
      .notes = std::move(tar.notes),
  };
}

}  // namespace

BuiltLayer BuildDirectoryLayer(const Store& store, const std::string& dir,
                               const LayerBuildOptions& options) {
  return Build(store, options, [&](ByteSink& sink, const TarWriterOptions& tar_options) {
    return WriteDirectoryLayer(dir, sink, tar_options);
  });
}

BuiltLayer BuildOverlayUpperLayer(const Store& store, const std::string& upper,
                                  const LayerBuildOptions& options) {
  return Build(store, options, [&](ByteSink& sink, const TarWriterOptions& tar_options) {
    return WriteOverlayUpperLayer(upper, sink, tar_options);
  });
}

BuiltLayer BuildEntriesLayer(const Store& store, const std::vector<CopyEntry>& entries,
                             const LayerBuildOptions& options) {
  return Build(store, options, [&](ByteSink& sink, const TarWriterOptions& tar_options) {
    return WriteEntriesLayer(entries, sink, tar_options);
  });
}

}  // namespace imgbuild::layers
