// `imgbuild verify --against REF CONTEXT`: rebuilds a recipe from scratch in
// a throwaway store and checks that the result is, bit for bit, the image
// REF names; when it is not, the image comparer says why.
#include <fcntl.h>

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "builder/base_image.h"
#include "builder/build_command_common.h"
#include "builder/commands.h"
#include "builder/image_source.h"
#include "builder/image_time.h"
#include "builder/layout_source.h"
#include "builder/registry_options.h"
#include "layers/image_diff.h"
#include "layers/image_diff_report.h"
#include "layers/image_export.h"
#include "layers/image_name.h"
#include "parser/graph.h"
#include "util/error.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::cli {
namespace {

// Exit statuses, as diff's.
constexpr int kReproduced = 0;
constexpr int kDifferent = 1;
constexpr int kTrouble = 2;

struct VerifyOptions {
  RecipeOptions recipe;
  StoreOptions store;
  BuildRunFlags run;
  RegistryCliOptions registry;
  std::string against;
  std::string compression;  // "" = as the reference's last layer
  std::string format = "text";
  size_t max_items = 50;
};

// The epoch the reference was built with: `given` (--source-date-epoch or
// $SOURCE_DATE_EPOCH), else the reference's own `created` (a build with an
// epoch sets created to it), else none.
std::optional<int64_t> EpochFor(const std::optional<int64_t>& given,
                                const VerifyOptions& options, const layers::ImageConfig& config) {
  if (given) return given;
  std::optional<int64_t> created = builder::ParseRfc3339Seconds(config.created);
  if (!created) return std::nullopt;
  fmt::print(stderr, "imgbuild: rebuilding with SOURCE_DATE_EPOCH={} ({}'s created time)\n",
             *created, options.against);
  // An epoch is whole seconds; a fraction means the clock was read.
  if (config.created.find('.') != std::string::npos) {
    fmt::print(stderr,
               "imgbuild: warning: {} was built without SOURCE_DATE_EPOCH (created {} has a "
               "fraction of a second), so its times cannot be reproduced\n",
               options.against, config.created);
  }
  return created;
}

// The compression of the layers the recipe adds: as given, else that of the
// reference's last layer (gzip when it has none).
layers::Compression CompressionFor(const VerifyOptions& options, const layers::Manifest& manifest) {
  if (!options.compression.empty()) return ParseCompression(options.compression);
  if (manifest.layers.empty()) return layers::Compression::kGzip;
  const std::string& type = manifest.layers.back().media_type;
  if (type.ends_with("gzip")) return layers::Compression::kGzip;
  if (type.ends_with("zstd")) return layers::Compression::kZstd;
  return layers::Compression::kNone;
}

// The images (not stages) the stages the target needs start from or copy
// out of, as the recipe names them.
std::set<std::string> ImagesNamed(const parser::Graph& graph) {
  std::set<std::string> images;
  for (int index : graph.required) {
    const parser::Stage& stage = graph.stages[index];
    if (!stage.base_stage && stage.from.image != "scratch") images.insert(stage.from.image);
    images.insert(stage.image_dependencies.begin(), stage.image_dependencies.end());
  }
  return images;
}

// A fresh store at `root` holding the images of `local` that `request`'s
// recipe names, under the same names, so the rebuild starts from the bases
// the user has (others are pulled, or read from oci-layout://, by the build).
layers::Store ScratchStoreWithBases(const std::string& root, const layers::Store& local,
                                    const builder::BuildRequest& request) {
  parser::GraphOptions graph_options = request.graph;
  parser::Graph graph =
      parser::BuildGraph(parser::ParseRecipeFile(request.recipe_path), graph_options);
  struct Found {
    layers::Descriptor descriptor;
    std::set<std::string> names;  // as the recipe writes them; none when by digest
  };
  std::map<layers::Digest, Found> found;
  for (const std::string& image : ImagesNamed(graph)) {
    if (image.starts_with(builder::kOciLayoutScheme)) continue;
    std::string why_not;
    std::optional<layers::Descriptor> descriptor = builder::FindStoreImage(local, image, why_not);
    if (!descriptor) continue;  // not local: the build pulls it
    Found& entry = found.try_emplace(descriptor->digest, Found{*descriptor, {}}).first->second;
    bool named = layers::ImageName::TryParse(image) && image.find('@') == std::string::npos;
    if (named) entry.names.insert(image);
  }
  if (found.empty()) return layers::Store(root);
  // Exported by digest, then named as the store names images.
  std::vector<layers::ExportImage> images;
  for (const auto& [digest, entry] : found) images.push_back({"", entry.descriptor});
  layers::ExportLayoutDirectory(local, images, root);
  layers::Store scratch(root);
  for (const auto& [digest, entry] : found) {
    for (const std::string& name : entry.names) scratch.Tag(name, entry.descriptor);
  }
  return scratch;
}

// The recipe from standard input ("-f -") is read once, into `dir`, since
// both the base lookup and the build read it.
void KeepStandardInputRecipe(builder::BuildRequest& request, const std::string& dir) {
  if (request.recipe_path != "-") return;
  std::string text(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>{});
  std::string path = dir + "/Buildfile";
  UniqueFd file = OpenOrThrow(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  WriteAll(file.get(), text.data(), text.size(), path);
  request.recipe_path = path;
}

void PrintResult(const layers::ImageDiff& diff, const layers::DiffLabels& labels,
                 const std::string& format) {
  if (format == "json") {
    fmt::print("{}", layers::RenderImageDiffJson(diff, labels));
  } else if (diff.identical()) {
    fmt::print("{}\n", diff.a.digest.ToString());
  } else {
    fmt::print("not reproduced: the rebuild is {}, {} is {}\n{}", diff.a.digest.ToString(),
               labels.b, diff.b.digest.ToString(), layers::RenderImageDiff(diff, labels));
  }
}

// Where the throwaway store goes: $TMPDIR, else /var/tmp (it holds base
// images and snapshots, too big for a /tmp in memory). Not the store's own
// .imgbuild/tmp, whose entries prune takes for abandoned files.
std::string ScratchParent() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/var/tmp";
}

int RunVerify(const VerifyOptions& options, const builder::CancelToken& cancel) {
  builder::BuildRequest request = MakeBuildRequest(options.recipe, options.run);
  request.registry = options.registry.ToClientOptions();  // for REF and the bases alike
  layers::Store local = options.store.Open();
  ImageSource reference = ImageSource::Open(options.against, options.store, request.registry,
                                            options.recipe.platform);
  layers::Descriptor wanted = builder::ManifestForPlatform(
      reference.store(), reference.descriptor(), request.graph.target_platform, options.against);
  layers::Manifest manifest = reference.store().ReadManifest(wanted);
  request.source_date_epoch = EpochFor(request.source_date_epoch, options,
                                       reference.store().ReadConfig(manifest.config));
  request.compression = CompressionFor(options, manifest);
  request.no_cache = true;

  TempDir scratch("imgbuild-verify-", ScratchParent());
  KeepStandardInputRecipe(request, scratch.path());
  layers::Store rebuilt = ScratchStoreWithBases(scratch.path() + "/store", local, request);
  builder::BuildResult built = BuildWithProgress(rebuilt, request, options.run.progress, cancel);

  layers::ImageDiff diff = layers::CompareImages({&rebuilt, built.manifest},
                                                 {&reference.store(), wanted},
                                                 {.max_items = options.max_items});
  PrintResult(diff, {"rebuilt", options.against}, options.format);
  return diff.identical() ? kReproduced : kDifferent;
}

int RunVerifyReportingErrors(const VerifyOptions& options) {
  try {
    return RunCancellable(
        [&](const builder::CancelToken& cancel) { return RunVerify(options, cancel); });
  } catch (const Error& error) {
    fmt::print(stderr, "imgbuild: error: {}\n", error.what());
    return kTrouble;
  }
}

}  // namespace

CommandSpec VerifyCommand() {
  return {"verify", "Rebuild a recipe from scratch and check it gives a published image",
          [](CLI::App& app) -> Action {
            auto options = std::make_shared<VerifyOptions>();
            options->recipe.AddTo(app);
            options->store.AddTo(app);
            options->run.AddTo(app);
            options->registry.AddTo(app, /*with_quiet=*/true);
            app.add_option("--against", options->against, "The image to reproduce (see below)")
                ->required();
            AddCompressionFlag(app, options->compression,
                               "Layer compression: gzip, zstd or uncompressed (default: as the "
                               "last layer of the image to reproduce)");
            app.add_option("--format", options->format, "Output format: text or json")
                ->check(CLI::IsMember({"text", "json"}));
            app.add_option("--max-items", options->max_items,
                           "Longest list shown per section (the rest are counted)")
                ->check(CLI::PositiveNumber);
            app.footer(fmt::format(
                "Builds the recipe without cache into a throwaway store (in $TMPDIR, else\n"
                "/var/tmp; removed afterwards) and compares the result with --against:\n{}\n"
                "NAME[:TAG][@DIGEST] that is not in the store: pulled from its registry into a\n"
                "  throwaway store\n\n"
                "Base images in the store are copied into the throwaway store, so FROM finds\n"
                "them offline; others are pulled as by build. SOURCE_DATE_EPOCH is\n"
                "--source-date-epoch, else $SOURCE_DATE_EPOCH, else the image's `created`.\n\n"
                "Exit status: 0 reproduced (prints the digest), 1 different (prints why, as\n"
                "`imgbuild diff` does), 2 when the recipe cannot be built or the image cannot\n"
                "be found or read. SIGINT/SIGTERM stop it (130/143).",
                kImageSourceForms));
            return [options] { return RunVerifyReportingErrors(*options); };
          }};
}

}  // namespace imgbuild::cli
