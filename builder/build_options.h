// What `imgbuild build` is asked to do and what it produced: the request
// the CLI fills from its flags, the outputs (-o), and the result.
#ifndef IMGBUILD_BUILDER_BUILD_OPTIONS_H_
#define IMGBUILD_BUILDER_BUILD_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/sandbox.h"
#include "layers/compress.h"
#include "layers/oci.h"
#include "parser/graph.h"
#include "registry/registry.h"

namespace imgbuild::builder {

/// One -o/--output: where the built image goes besides the store.
struct OutputSpec {
  enum class Type {
    kOciLayout,      ///< type=oci,tar=false: an OCI layout directory.
    kOciArchive,     ///< type=oci: a tar of the layout.
    kDockerArchive,  ///< type=docker: what `docker load` reads.
    kLocal,          ///< type=local: the final root file system as a directory.
    kImage,          ///< type=image (type=registry: push=true): names, maybe pushed.
  };
  Type type = Type::kOciArchive;
  std::string dest;  ///< File or directory; "" for kImage.
  /// name=: the image's names (kImage: in the store and, with push, in
  /// registries; archives: their ref names). Empty = the build's -t tags.
  std::vector<std::string> names{};
  bool push = false;  ///< push=true (kImage only): push to every name.
};

/// Parses buildx's -o syntax, a CSV line of KEY=VALUE fields:
/// "type=oci,dest=out.tar", "type=oci,dest=DIR,tar=false",
/// "type=docker,dest=F", "type=local,dest=DIR", "type=image,name=N[,push=true]",
/// "type=registry" (= type=image,push=true), or a bare path (type=local).
/// A quoted field may hold commas: 'type=image,"name=a:1,b:1"'. Throws Error
/// naming the value for an unknown type or key, a missing dest, a bad
/// boolean, or a key that does not fit the type.
OutputSpec ParseOutputSpec(std::string_view text);

/// Everything one build needs.
struct BuildRequest {
  std::string recipe_path;  ///< The Buildfile/Dockerfile ("-": standard input).
  std::string context_dir;  ///< Build context: COPY/ADD sources.
  /// Build args, --target, platforms. resolve_base is set by Build.
  parser::GraphOptions graph;
  std::vector<std::string> tags;             ///< -t: names in the store (and in outputs).
  bool no_cache = false;                     ///< Run every step; still record results.
  unsigned jobs = 0;                         ///< Stages at the same time; 0 = one per core.
  NetworkMode network = NetworkMode::kHost;  ///< RUN's network unless --network says.
  std::vector<OutputSpec> outputs;
  /// SOURCE_DATE_EPOCH: clamps layer mtimes; config and history `created`.
  std::optional<int64_t> source_date_epoch;
  layers::Compression compression = layers::Compression::kGzip;
  std::string iidfile;        ///< --iidfile: receives the image digest.
  std::string metadata_file;  ///< --metadata-file: buildx's JSON about the image.
  /// How FROM pulls and type=image,push=true reach registries (--tls-ca,
  /// --insecure-registry); `log` is set by Build to the progress view.
  registry::RegistryOptions registry{};
};

/// What a build produced; the image is in the store.
/// A base image a build read (FROM, COPY --from=IMAGE, or ENV/ONBUILD of a
/// base), pinned: `reference@resolved` names the same image again.
struct UsedBase {
  std::string reference;     ///< As the recipe names it.
  std::string platform;      ///< The platform taken ("linux/amd64").
  layers::Digest resolved;   ///< What the reference named then (index or manifest).
  layers::Digest manifest;   ///< The platform's image manifest that was used.
};

struct BuildResult {
  layers::Descriptor manifest;  ///< The image (manifest) descriptor.
  layers::Descriptor config;    ///< Its config blob.
  layers::ImageConfig image;    ///< The config itself.
  int cached_steps = 0;         ///< Layer steps answered from the cache.
  int executed_steps = 0;       ///< Layer steps that ran.
  std::vector<UsedBase> bases{};  ///< Sorted by reference and platform.
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_BUILD_OPTIONS_H_
