// `imgbuild fsck`: verifies every blob and reference of the store.
#include <memory>

#include <fmt/format.h>

#include "builder/commands.h"
#include "builder/store_options.h"
#include "layers/store_fsck.h"

namespace imgbuild::cli {
namespace {

int RunFsck(const StoreOptions& options) {
  layers::FsckReport report = layers::Fsck(options.Open());
  fmt::print("{}\n", report.Summary());
  return report.consistent() ? 0 : 1;
}

}  // namespace

CommandSpec FsckCommand() {
  return {"fsck", "Check the store: blob digests, references, orphans",
          [](CLI::App& app) -> Action {
            auto options = std::make_shared<StoreOptions>();
            options->AddTo(app);
            app.footer(
                "Hashes every blob, follows every reference from index.json down to the layers\n"
                "and reports orphan blobs and stale temporary files (which `imgbuild prune`\n"
                "removes). Exit status 1 when the store is inconsistent (corrupt, missing or\n"
                "invalid blobs, stray files); orphans alone leave it 0.");
            return [options] { return RunFsck(*options); };
          }};
}

}  // namespace imgbuild::cli
