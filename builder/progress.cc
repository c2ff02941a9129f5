#include "builder/progress.h"

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

// Placeholder until the plain and tty renderers land: silent.
std::unique_ptr<ProgressSink> MakeProgressSink(ProgressMode, int) {
  return MakeSilentProgressSink();
}

std::unique_ptr<ProgressSink> MakeSilentProgressSink() {
  return std::make_unique<SilentProgressSink>();
}

}  // namespace imgbuild::builder
