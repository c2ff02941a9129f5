#include "layers/layer_reader.h"

#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::layers {
namespace {

constexpr size_t kReadChunk = 1 << 20;

}  // namespace

LayerReader::LayerReader(int fd, std::string what, bool bzip2_and_xz)
    : fd_(fd), what_(std::move(what)), input_(kReadChunk),
      decompressor_(archive_read_new()), tar_(archive_read_new()) {
  if (!decompressor_ || !tar_) Fail("read layer {}: cannot create a libarchive reader", what_);
  archive* raw = decompressor_.get();
  if (archive_read_support_filter_gzip(raw) != ARCHIVE_OK ||
      archive_read_support_filter_zstd(raw) != ARCHIVE_OK ||
      (bzip2_and_xz && (archive_read_support_filter_bzip2(raw) != ARCHIVE_OK ||
                        archive_read_support_filter_xz(raw) != ARCHIVE_OK)) ||
      archive_read_support_format_raw(raw) != ARCHIVE_OK ||
      archive_read_support_format_empty(raw) != ARCHIVE_OK ||
      archive_read_open(raw, this, nullptr, &LayerReader::ReadCompressed, nullptr) != ARCHIVE_OK) {
    FailWith(raw, "start");
  }
  archive_entry* stream = nullptr;
  int status = archive_read_next_header(raw, &stream);
  if (status == ARCHIVE_EOF) stream_done_ = true;  // an empty stream is an empty layer
  else if (status != ARCHIVE_OK) FailWith(raw, "start");
  archive* tar = tar_.get();
  if (archive_read_support_format_tar(tar) != ARCHIVE_OK ||
      archive_read_support_format_empty(tar) != ARCHIVE_OK ||
      archive_read_open(tar, this, nullptr, &LayerReader::ReadUncompressed, nullptr) !=
          ARCHIVE_OK) {
    FailWith(tar, "start");
  }
}

la_ssize_t LayerReader::ReadCompressed(archive* a, void* self, const void** buffer) {
  auto* reader = static_cast<LayerReader*>(self);
  try {
    *buffer = reader->input_.data();
    return static_cast<la_ssize_t>(
        ReadSome(reader->fd_, reader->input_.data(), reader->input_.size(), reader->what_));
  } catch (const Error& error) {
    archive_set_error(a, EIO, "%s", error.what());
    return -1;
  }
}

// Feeds the tar parser straight from the decompressor's buffers, hashing
// each block on the way.
la_ssize_t LayerReader::ReadUncompressed(archive* a, void* self, const void** buffer) {
  auto* reader = static_cast<LayerReader*>(self);
  if (reader->stream_done_) return 0;
  size_t size = 0;
  int64_t offset = 0;
  int status = archive_read_data_block(reader->decompressor_.get(), buffer, &size, &offset);
  if (status == ARCHIVE_EOF) {
    reader->stream_done_ = true;
    return 0;
  }
  if (status < ARCHIVE_WARN) {
    reader->source_error_ = ArchiveErrorText(reader->decompressor_.get());
    archive_set_error(a, EIO, "%s", reader->source_error_.c_str());
    return -1;
  }
  reader->hasher_.Update(*buffer, size);
  return static_cast<la_ssize_t>(size);
}

void LayerReader::FailWith(archive* a, std::string context) {
  std::string detail = source_error_.empty() ? ArchiveErrorText(a) : source_error_;
  if (current_ != nullptr) {
    throw LayerReadError(fmt::format("read layer {}: entry \"{}\": {}", what_, last_name_, detail));
  }
  if (!last_name_.empty()) context += " after entry \"" + last_name_ + "\"";
  throw LayerReadError(fmt::format("read layer {}: {}: {}", what_, context, detail));
}

archive_entry* LayerReader::Next() {
  ScopedUtf8Locale locale;  // pax names are UTF-8; keep them byte for byte
  archive_entry* entry = nullptr;
  current_ = nullptr;
  int status = archive_read_next_header(tar_.get(), &entry);
  if (status == ARCHIVE_EOF) return nullptr;
  // ARCHIVE_WARN: a name could not be converted and is kept as raw bytes.
  if (status < ARCHIVE_WARN) FailWith(tar_.get(), last_name_.empty() ? "first header" : "header");
  current_ = entry;
  const char* name = archive_entry_pathname(entry);
  last_name_ = name != nullptr ? name : "";
  return entry;
}

bool LayerReader::ReadBlock(const void** data, size_t* size, int64_t* offset) {
  int status = archive_read_data_block(tar_.get(), data, size, offset);
  if (status == ARCHIVE_EOF) return false;
  if (status < ARCHIVE_WARN) FailWith(tar_.get(), "data");
  return true;
}

Digest LayerReader::Finish() {
  current_ = nullptr;
  last_name_.clear();
  const void* block = nullptr;
  size_t size = 0;
  int64_t offset = 0;
  while (!stream_done_) {
    int status = archive_read_data_block(decompressor_.get(), &block, &size, &offset);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) FailWith(decompressor_.get(), "after the end of the archive");
    hasher_.Update(block, size);
  }
  stream_done_ = true;
  return hasher_.Finish();
}

}  // namespace imgbuild::layers
