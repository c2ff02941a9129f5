#include "layers/tar_stream.h"

#include "util/error.h"

namespace imgbuild::layers {
namespace {

constexpr int kBlockBytes = 1 << 20;

}  // namespace

TarStream::TarStream(ByteSink& sink) : sink_(sink), archive_(archive_write_new()) {
  archive* a = archive_.get();
  if (a == nullptr) Fail("cannot create a libarchive writer (out of memory)");
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_set_options(a, "xattrheader=SCHILY") != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a, kBlockBytes) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open(a, this, nullptr, &TarStream::OnWrite, nullptr) != ARCHIVE_OK) {
    Fail("cannot set up the tar writer: {}", ArchiveErrorText(a));
  }
}

TarStream::~TarStream() {
  forwarding_ = false;  // archive_write_free closes, which would append an end marker
}

la_ssize_t TarStream::OnWrite(archive*, void* self, const void* buffer, size_t length) {
  auto* stream = static_cast<TarStream*>(self);
  if (!stream->forwarding_) return static_cast<la_ssize_t>(length);
  try {
    stream->sink_.Write(buffer, length);
    stream->bytes_written_ += length;
    return static_cast<la_ssize_t>(length);
  } catch (...) {
    // Exceptions must not cross libarchive's C frames; rethrown by FailWith.
    stream->sink_error_ = std::current_exception();
    stream->forwarding_ = false;
    return -1;
  }
}

void TarStream::FailWith(const std::string& what) {
  if (sink_error_) std::rethrow_exception(sink_error_);
  Fail("write tar entry \"{}\": {}: {}", current_name_, what, ArchiveErrorText(archive_.get()));
}

void TarStream::WriteHeader(archive_entry* entry) {
  const char* name = archive_entry_pathname(entry);
  current_name_ = name != nullptr ? name : "";
  ScopedUtf8Locale locale;
  // ARCHIVE_WARN means a name is not valid UTF-8 and was stored as binary
  // (hdrcharset=BINARY): still a correct, reproducible header.
  if (archive_write_header(archive_.get(), entry) < ARCHIVE_WARN) FailWith("header");
}

void TarStream::WriteData(const void* data, size_t size) {
  la_ssize_t written = archive_write_data(archive_.get(), data, size);
  if (written < 0 || static_cast<size_t>(written) != size) FailWith("data");
}

void TarStream::Finish() {
  current_name_ = "end of archive";
  if (archive_write_close(archive_.get()) != ARCHIVE_OK) FailWith("close");
  forwarding_ = false;
  sink_.Close();
}

}  // namespace imgbuild::layers
