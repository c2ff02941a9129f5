#include "builder/progress_writer.h"

#include "util/fd.h"

namespace imgbuild::builder {

void ProgressWriter::Write(std::string_view text) noexcept {
  if (broken_ || text.empty()) return;
  try {
    WriteAll(fd_, text.data(), text.size(), "progress output");
  } catch (...) {
    broken_ = true;
  }
}

}  // namespace imgbuild::builder
