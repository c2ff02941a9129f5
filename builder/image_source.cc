#include "builder/image_source.h"

#include <sys/stat.h>

#include <array>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "layers/image_import.h"
#include "layers/image_name.h"
#include "util/error.h"

namespace imgbuild::cli {
namespace {

constexpr std::array<std::string_view, 3> kTransports = {"oci-layout://", "oci-archive://",
                                                         "docker-archive://"};

bool Exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// PATH[:TAG|@DIGEST], split. A path that exists as written has no selector.
struct Location {
  std::string path;
  std::string tag;
  std::string digest;
};

Location ParseLocation(std::string_view spec) {
  std::string text(spec);
  if (Exists(text)) return {text, "", ""};
  size_t at = text.rfind('@');
  if (at != std::string::npos && layers::Digest::IsValid(text.substr(at + 1))) {
    return {text.substr(0, at), "", text.substr(at + 1)};
  }
  size_t slash = text.rfind('/');
  size_t colon = text.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    return {text.substr(0, colon), text.substr(colon + 1), ""};
  }
  return {text, "", ""};
}

// The image of `result` that `where` selects.
layers::Descriptor Select(const layers::ImportResult& result, const Location& where,
                          std::string_view label) {
  // Imported names are normalised ("v1" became "v1:latest"); so is the tag.
  std::optional<layers::ImageName> tag = layers::ImageName::TryParse(where.tag);
  if (!where.tag.empty() && !tag) Fail("{}: \"{}\" is not a valid tag", label, where.tag);
  std::set<layers::Digest> roots;
  std::vector<std::string> names;
  for (const layers::ImportedImage& image : result.images) {
    bool tagged = tag && !image.name.empty() && tag->Familiar() == image.name;
    if (tagged || image.descriptor.digest.ToString() == where.digest) return image.descriptor;
    roots.insert(image.descriptor.digest);
    names.push_back(image.name.empty() ? image.descriptor.digest.ToString() : image.name);
  }
  if (!where.tag.empty() || !where.digest.empty()) {
    Fail("{}: no image {} in {}; it holds {}", label, where.tag + where.digest, where.path,
         fmt::join(names, ", "));
  }
  if (roots.size() != 1) {
    Fail("{}: {} holds {} images ({}); pick one with :TAG or @DIGEST", label, where.path,
         roots.size(), fmt::join(names, ", "));
  }
  return result.images.front().descriptor;
}

std::string_view SpecAfterTransport(std::string_view text) {
  for (std::string_view transport : kTransports) {
    if (text.starts_with(transport)) return text.substr(transport.size());
  }
  return {};
}

bool IsPath(std::string_view text) {
  return text.starts_with('/') || text.starts_with("./") || text.starts_with("../");
}

}  // namespace

ImageSource::ImageSource(std::string label, std::optional<TempDir> scratch, layers::Store store,
                         layers::Descriptor descriptor)
    : label_(std::move(label)), scratch_(std::move(scratch)), store_(std::move(store)),
      descriptor_(std::move(descriptor)) {}

ImageSource ImageSource::Open(std::string_view text, const StoreOptions& local) {
  std::string_view spec = SpecAfterTransport(text);
  bool path = IsPath(text);
  if (spec.empty() && !path) {
    layers::Store store = local.Open();
    layers::Descriptor descriptor = ResolveImage(store, text).descriptor;
    return ImageSource(std::string(text), std::nullopt, std::move(store), descriptor);
  }
  Location where = path ? Location{std::string(text), "", ""} : ParseLocation(spec);
  if (where.path.empty()) Fail("{}: no path after the transport", text);
  TempDir scratch("imgbuild-image-");
  layers::Store store(scratch.path() + "/store");
  layers::ImportResult result;
  try {
    result = layers::ImportImages(store, where.path, {.keep_unnamed = true});
  } catch (const Error& error) {
    Fail("read image {}: {}", text, error.what());
  }
  layers::Descriptor descriptor = Select(result, where, text);
  return ImageSource(std::string(text), std::move(scratch), std::move(store), descriptor);
}

ImageSource ImageSource::Open(std::string_view text, const StoreOptions& local,
                              const registry::RegistryOptions& registry,
                              const std::string& platform) {
  if (!SpecAfterTransport(text).empty() || IsPath(text)) return Open(text, local);
  std::string not_stored;
  try {
    return Open(text, local);
  } catch (const Error& error) {
    not_stored = error.what();
  }
  TempDir scratch("imgbuild-image-");
  layers::Store store(scratch.path() + "/store");
  std::optional<registry::PullResult> pulled;
  try {
    pulled = registry::Pull(store, text, platform, registry);
  } catch (const Error& error) {
    Fail("image {} is neither in the store ({}) nor pulled from its registry: {}", text,
         not_stored, error.what());
  }
  return ImageSource(std::string(text), std::move(scratch), std::move(store), pulled->manifest);
}

}  // namespace imgbuild::cli
