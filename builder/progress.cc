#include "builder/progress.h"

#include <unistd.h>

#include <cstdlib>

#include "builder/progress_plain.h"
#include "builder/progress_tty.h"
#include "util/error.h"

namespace imgbuild::builder {
namespace {

class SilentProgressSink final : public ProgressSink {
 public:
  void Started(ProgressId, std::string_view) override {}
  void Output(ProgressId, OutputStream, std::string_view) override {}
  void Cached(ProgressId) override {}
  void Finished(ProgressId, std::chrono::nanoseconds, std::string_view) override {}
  void Message(std::string_view) override {}
  void Close() override {}
};

}  // namespace

ProgressMode ParseProgressMode(std::string_view text) {
  if (text == "auto") return ProgressMode::kAuto;
  if (text == "tty") return ProgressMode::kTty;
  if (text == "plain") return ProgressMode::kPlain;
  Fail("invalid --progress value \"{}\": use auto, tty or plain", text);
}

std::unique_ptr<ProgressSink> MakeProgressSink(ProgressMode mode, int fd) {
  if (mode == ProgressMode::kAuto) {
    const char* term = std::getenv("TERM");
    bool dumb = term != nullptr && std::string_view(term) == "dumb";
    mode = ::isatty(fd) && !dumb ? ProgressMode::kTty : ProgressMode::kPlain;
  }
  if (mode == ProgressMode::kPlain) return std::make_unique<PlainProgressSink>(fd);
  // https://no-color.org: any non-empty NO_COLOR turns colours off.
  const char* no_color = std::getenv("NO_COLOR");
  TtyProgressOptions options;
  options.color = no_color == nullptr || *no_color == '\0';
  return std::make_unique<TtyProgressSink>(fd, std::move(options));
}

std::unique_ptr<ProgressSink> MakeSilentProgressSink() {
  return std::make_unique<SilentProgressSink>();
}

}  // namespace imgbuild::builder
