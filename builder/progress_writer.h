// Where progress text goes: a descriptor the sink does not own, written so
// that a broken terminal or a full disk never fails the build.
#ifndef IMGBUILD_BUILDER_PROGRESS_WRITER_H_
#define IMGBUILD_BUILDER_PROGRESS_WRITER_H_

#include <string_view>

namespace imgbuild::builder {

/// Writes whole pieces of text to a descriptor it does not own.
class ProgressWriter {
 public:
  explicit ProgressWriter(int fd) : fd_(fd) {}

  /// Writes all of `text` with as few write(2) calls as the kernel allows
  /// (one for a line to a pipe or terminal), so concurrent writers of the
  /// same descriptor never split it. After the first failure it writes
  /// nothing more: progress is lost, the build goes on. Never throws.
  void Write(std::string_view text) noexcept;

 private:
  int fd_;
  bool broken_ = false;
};

/// Runs `action`, dropping any exception: sink methods must never throw.
template <typename Action>
void DropErrors(Action&& action) noexcept {
  try {
    action();
  } catch (...) {
  }
}

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_PROGRESS_WRITER_H_
