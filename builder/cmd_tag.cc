// `imgbuild tag SRC DEST`: gives a stored image another name.
#include <memory>

#include "builder/commands.h"
#include "builder/store_options.h"

namespace imgbuild::cli {
namespace {

struct TagOptions {
  StoreOptions store;
  std::string source;
  std::string target;
};

int RunTag(const TagOptions& options) {
  layers::Store store = options.store.Open();
  store.Tag(options.target, ResolveImage(store, options.source).descriptor);
  return 0;
}

}  // namespace

CommandSpec TagCommand() {
  return {"tag", "Give a stored image another name", [](CLI::App& app) -> Action {
            auto options = std::make_shared<TagOptions>();
            options->store.AddTo(app);
            app.add_option("source", options->source, "Image name or digest (prefix)")
                ->required();
            app.add_option("target", options->target, "New name, NAME[:TAG] (default tag: latest)")
                ->required();
            app.footer("An image already called TARGET loses that name; blobs are not copied.");
            return [options] { return RunTag(*options); };
          }};
}

}  // namespace imgbuild::cli
