#include "builder/store_options.h"

#include <optional>

#include "layers/image_name.h"

namespace imgbuild::cli {

void StoreOptions::AddTo(CLI::App& app) {
  app.add_option("--root", root,
                 "Image store directory (default: $IMGBUILD_ROOT, else /var/lib/imgbuild for "
                 "root, else ~/.local/share/imgbuild)");
}

layers::Store StoreOptions::Open() const {
  return layers::Store(layers::ResolveStoreRoot(root));
}

ResolvedImage ResolveImage(const layers::Store& store, std::string_view text) {
  layers::Descriptor descriptor = store.Resolve(text);
  auto annotation = descriptor.annotations.find(std::string(layers::annotations::kRefName));
  if (annotation == descriptor.annotations.end()) return {"", descriptor};
  // Resolve also accepts digest prefixes: the image keeps its name only
  // when `text` is that name, as written or in another form.
  const std::string& name = annotation->second;
  std::optional<layers::ImageName> wanted = layers::ImageName::TryParse(text);
  std::optional<layers::ImageName> stored = layers::ImageName::TryParse(name);
  bool named = name == text ||
               (wanted && stored && wanted->FullyQualified() == stored->FullyQualified());
  return {named ? name : "", descriptor};
}

}  // namespace imgbuild::cli
