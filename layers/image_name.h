// Image names as users write them ("app", "app:1.0", "host:5000/ns/app:tag")
// and as the store records them.
#ifndef IMGBUILD_LAYERS_IMAGE_NAME_H_
#define IMGBUILD_LAYERS_IMAGE_NAME_H_

#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::layers {

/// A tagged image name, validated with the grammar of Docker's distribution
/// reference (lower-case path components, tag [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}).
struct ImageName {
  std::string domain;  // "host:5000", or "" when the name has none
  std::string path;    // "ns/app"
  std::string tag;     // "latest" when the user gave none

  /// Parses `text`, adding ":latest" when no tag is given. Digest references
  /// ("app@sha256:…") are rejected: a store name always carries a tag.
  /// Throws Error quoting `text` and saying what is wrong.
  static ImageName Parse(std::string_view text);
  /// Like Parse, but nullopt instead of an Error.
  static std::optional<ImageName> TryParse(std::string_view text);

  /// The name as written, with its tag: "app:latest", "host:5000/ns/app:tag".
  std::string ToString() const;
  /// The name as containerd and Docker record it: "docker.io/library/app:latest"
  /// for "app", unchanged when a domain is given.
  std::string FullyQualified() const;
  /// The short form Docker shows ("app:latest" for "docker.io/library/app:latest",
  /// "ns/app:1" for "docker.io/ns/app:1"); other registries are kept.
  std::string Familiar() const;

  bool operator==(const ImageName&) const = default;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_IMAGE_NAME_H_
