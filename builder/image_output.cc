#include "builder/image_output.h"

#include <algorithm>

#include <fmt/format.h>

#include "layers/image_name.h"
#include "registry/reference.h"
#include "util/error.h"

namespace imgbuild::builder {

std::vector<std::string> OutputNames(const OutputSpec& output,
                                     const std::vector<std::string>& tags) {
  return output.names.empty() ? tags : output.names;
}

std::vector<std::string> ImageNames(const BuildRequest& request) {
  std::vector<std::string> names;
  auto add = [&](const std::string& name) {
    std::string qualified = layers::ImageName::Parse(name).FullyQualified();
    if (std::find(names.begin(), names.end(), qualified) == names.end()) {
      names.push_back(qualified);
    }
  };
  for (const std::string& tag : request.tags) add(tag);
  for (const OutputSpec& output : request.outputs) {
    if (output.type != OutputSpec::Type::kImage) continue;
    for (const std::string& name : output.names) add(name);
  }
  return names;
}

void CheckImageOutputs(const BuildRequest& request) {
  for (const OutputSpec& output : request.outputs) {
    std::vector<std::string> names = OutputNames(output, request.tags);
    if (output.push && names.empty()) {
      Fail("cannot push: the image has no name to push to; give one with -t HOST/NAME:TAG or "
           "-o type=image,name=HOST/NAME:TAG,push=true");
    }
    for (const std::string& name : names) {
      layers::ImageName::Parse(name);
      if (output.push) registry::Reference::Parse(name);
    }
  }
}

void WriteImageOutput(const layers::Store& store, const layers::Descriptor& image,
                      const OutputSpec& output, const std::vector<std::string>& tags,
                      const registry::RegistryOptions& options) {
  for (const std::string& name : output.names) {
    std::string qualified = layers::ImageName::Parse(name).FullyQualified();
    store.Tag(name, image);
    if (options.log) options.log("naming to " + qualified);
  }
  if (!output.push) return;
  for (const std::string& name : OutputNames(output, tags)) {
    std::string qualified = layers::ImageName::Parse(name).FullyQualified();
    if (options.log) options.log("pushing " + qualified);
    try {
      layers::Descriptor pushed = registry::Push(store, image, name, options);
      if (options.log) {
        options.log(fmt::format("pushed {}@{}", qualified, pushed.digest.ToString()));
      }
    } catch (const Error& error) {
      Fail("pushing {} to {} failed (the image is in the store: `imgbuild push {}` tries again): "
           "{}",
           image.digest.ToString(), qualified, name, error.what());
    }
  }
}

}  // namespace imgbuild::builder
