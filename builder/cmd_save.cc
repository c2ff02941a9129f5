// `imgbuild save`: exports images as an OCI layout, OCI archive or docker-archive.
#include <unistd.h>

#include <memory>

#include <fmt/format.h>

#include "builder/commands.h"
#include "builder/store_options.h"
#include "layers/image_export.h"
#include "parser/platform.h"
#include "util/error.h"
#include "util/human_size.h"

namespace imgbuild::cli {
namespace {

struct SaveOptions {
  StoreOptions store;
  std::string output;
  std::string format = "oci";
  std::string platform;
  std::vector<std::string> refs;
};

layers::ExportOptions ToExportOptions(const SaveOptions& options) {
  parser::Platform platform = options.platform.empty() ? parser::Platform::Host()
                                                       : parser::Platform::Parse(options.platform);
  return {.platform = layers::Platform{.architecture = platform.architecture,
                                       .os = platform.os,
                                       .variant = platform.variant}};
}

layers::ExportResult Export(const layers::Store& store,
                            const std::vector<layers::ExportImage>& images,
                            const SaveOptions& options) {
  layers::ExportOptions export_options;
  if (options.format == "docker") export_options = ToExportOptions(options);
  if (options.format == "oci-dir") {
    if (options.output.empty() || options.output == "-") {
      Fail("--format oci-dir writes a directory: give it with -o DIR");
    }
    return layers::ExportLayoutDirectory(store, images, options.output, export_options);
  }
  layers::ExportFormat format = options.format == "docker" ? layers::ExportFormat::kDockerArchive
                                                           : layers::ExportFormat::kOciArchive;
  if (!options.output.empty() && options.output != "-") {
    return layers::ExportImageArchive(store, images, format, options.output, export_options);
  }
  if (isatty(STDOUT_FILENO)) {
    Fail("refusing to write an archive to a terminal; give a file with -o FILE or redirect");
  }
  layers::FdSink sink(STDOUT_FILENO, "standard output");
  return layers::WriteImageArchive(store, images, format, sink, export_options);
}

int RunSave(const SaveOptions& options) {
  layers::Store store = options.store.Open();
  std::vector<layers::ExportImage> images;
  for (const std::string& ref : options.refs) {
    ResolvedImage image = ResolveImage(store, ref);
    images.push_back({image.name, image.descriptor});
  }
  layers::ExportResult result = Export(store, images, options);
  bool to_file = !options.output.empty() && options.output != "-";
  if (to_file) {
    fmt::print("Saved {} image{} to {} ({} format): {} blobs, {}\n", images.size(),
               images.size() == 1 ? "" : "s", options.output, options.format, result.blobs,
               HumanSize(result.blob_bytes));
  }
  return 0;
}

}  // namespace

CommandSpec SaveCommand() {
  return {"save", "Export images as an OCI layout, OCI archive or docker-archive",
          [](CLI::App& app) -> Action {
            auto options = std::make_shared<SaveOptions>();
            options->store.AddTo(app);
            app.add_option("-o,--output", options->output,
                           "File (archives; default or -: standard output) or new directory "
                           "(oci-dir)");
            app.add_option("--format", options->format,
                           "oci (OCI archive, default), oci-dir (OCI layout directory) or docker "
                           "(docker-archive for docker/podman load)")
                ->check(CLI::IsMember({"oci", "oci-dir", "docker"}));
            app.add_option("--platform", options->platform,
                           "docker format: the platform to take from a multi-platform image "
                           "(default: this machine's)");
            app.add_option("refs", options->refs, "Image names or digests")->required();
            app.footer(
                "Archives are reproducible: the same images give byte-identical files (sorted\n"
                "members, no timestamps or owners). index.json names each image like buildx:\n"
                "org.opencontainers.image.ref.name is the tag and io.containerd.image.name the\n"
                "full name. The docker format is what `docker save` writes since Docker 25:\n"
                "the OCI layout plus manifest.json and repositories; layers stay as stored.");
            return [options] { return RunSave(*options); };
          }};
}

}  // namespace imgbuild::cli
