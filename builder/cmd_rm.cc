// `imgbuild rm REF...`: removes image names from the store.
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "builder/commands.h"
#include "builder/store_options.h"
#include "util/error.h"

namespace imgbuild::cli {
namespace {

struct RmOptions {
  StoreOptions store;
  std::vector<std::string> refs;
};

// Removes the names `ref` stands for; returns them.
std::vector<std::string> RemoveRef(const layers::Store& store, const std::string& ref) {
  if (store.Untag(ref)) return {ref};
  layers::Digest digest = ResolveImage(store, ref).descriptor.digest;
  std::vector<std::string> removed;
  for (const layers::StoreImage& image : store.List()) {
    if (image.descriptor.digest == digest && !image.name.empty() && store.Untag(image.name)) {
      removed.push_back(image.name);
    }
  }
  // An unnamed entry (a build without -t) goes by its digest.
  if (store.RemoveUnnamed(digest)) removed.push_back(digest.ToString());
  return removed;
}

int RunRm(const RmOptions& options) {
  layers::Store store = options.store.Open();
  std::vector<std::string> failures;
  for (const std::string& ref : options.refs) {
    try {
      for (const std::string& name : RemoveRef(store, ref)) fmt::print("Untagged: {}\n", name);
    } catch (const Error& error) {
      failures.push_back(error.what());
    }
  }
  if (!failures.empty()) Fail("{}", fmt::join(failures, "\n"));
  return 0;
}

}  // namespace

CommandSpec RmCommand() {
  return {"rm", "Remove image names from the store", [](CLI::App& app) -> Action {
            auto options = std::make_shared<RmOptions>();
            options->store.AddTo(app);
            app.add_option("refs", options->refs, "Image names, or digests to drop every name of")
                ->required();
            app.footer(
                "Removes names only; the blobs stay until `imgbuild prune` frees those no image\n"
                "references. Every REF is tried; the exit status is 1 if any was not found.");
            return [options] { return RunRm(*options); };
          }};
}

}  // namespace imgbuild::cli
