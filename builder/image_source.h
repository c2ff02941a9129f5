// Opening an image a user names on the command line, wherever it is: in the
// local store (a name or digest), in an OCI layout directory, or in an OCI
// or docker archive. Images outside the store are imported, every blob
// verified, into a throwaway store that lives as long as the ImageSource,
// so the input is never written to. `diff` and `verify` share this.
#ifndef IMGBUILD_BUILDER_IMAGE_SOURCE_H_
#define IMGBUILD_BUILDER_IMAGE_SOURCE_H_

#include <optional>
#include <string>
#include <string_view>

#include "builder/store_options.h"
#include "layers/image_diff.h"
#include "layers/oci.h"
#include "layers/store.h"
#include "registry/registry.h"
#include "util/temp_dir.h"

namespace imgbuild::cli {

/// What the forms ImageSource::Open accepts look like, for help texts.
inline constexpr std::string_view kImageSourceForms =
    "NAME[:TAG] or DIGEST (prefix): an image in the store (--root)\n"
    "oci-layout://DIR[:TAG|@DIGEST]: an image of an OCI layout directory\n"
    "oci-archive://FILE[:TAG|@DIGEST], docker-archive://FILE[:TAG|@DIGEST]: an image of an\n"
    "  archive (plain, gzip or zstd tar) as `imgbuild save`, `docker save` or skopeo write it\n"
    "/PATH, ./PATH, ../PATH: a layout directory or an archive holding one image";

/// An image opened for reading.
class ImageSource {
 public:
  /// Opens the image `text` names (see kImageSourceForms); `local` says
  /// where the store is. Without :TAG or @DIGEST a layout or archive must
  /// hold exactly one image. The format of a layout or archive is detected
  /// from its content. Throws Error naming `text` when the image is not
  /// there or the input is invalid (see ImportImages).
  static ImageSource Open(std::string_view text, const StoreOptions& local);

  /// Like Open(text, local), except that a NAME[:TAG][@DIGEST] not in the
  /// store is pulled from its registry with `registry` (the manifest for
  /// `platform`, "" = this machine's) into a throwaway store. Throws Error
  /// saying why neither the store nor the registry had it.
  static ImageSource Open(std::string_view text, const StoreOptions& local,
                          const registry::RegistryOptions& registry, const std::string& platform);

  ImageSource(ImageSource&&) = default;
  ImageSource& operator=(ImageSource&&) = delete;

  /// What the user wrote.
  const std::string& label() const { return label_; }
  const layers::Store& store() const { return *store_; }
  /// The image's manifest or index.
  const layers::Descriptor& descriptor() const { return descriptor_; }
  /// The image for CompareImages.
  layers::ImageHandle handle() const { return {&*store_, descriptor_}; }

 private:
  ImageSource(std::string label, std::optional<TempDir> scratch, layers::Store store,
              layers::Descriptor descriptor);

  std::string label_;
  std::optional<TempDir> scratch_;  // the throwaway store's directory, removed last
  std::optional<layers::Store> store_;
  layers::Descriptor descriptor_;
};

}  // namespace imgbuild::cli

#endif  // IMGBUILD_BUILDER_IMAGE_SOURCE_H_
