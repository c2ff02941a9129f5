#include "builder/recipe_options.h"

#include <cstdlib>
#include <filesystem>

namespace imgbuild::cli {

void RecipeOptions::AddTo(CLI::App& app) {
  app.add_option("-f,--file", file,
                 "Recipe to read (default: CONTEXT/Buildfile, else CONTEXT/Dockerfile; - reads stdin)");
  app.add_option("--target", target, "Build this stage and what it needs (default: the last stage)");
  app.add_option("--build-arg", build_args, "Set a build arg: NAME=VALUE, or NAME to take it from the environment")
      ->take_all()
      ->allow_extra_args(false);  // one value per flag: `--build-arg A=1 ctx` keeps ctx
  app.add_option("--platform", platform, "Target platform, e.g. linux/amd64 (default: this machine's)");
  app.add_option("context", context, "Build context directory (default: .)");
}

std::string RecipeOptions::RecipePath() const {
  if (!file.empty()) return file;
  std::filesystem::path dir(context);
  for (const char* name : {"Buildfile", "Dockerfile"}) {
    if (std::filesystem::exists(dir / name)) return (dir / name).string();
  }
  return (dir / "Buildfile").string();
}

parser::GraphOptions RecipeOptions::ToGraphOptions() const {
  parser::GraphOptions options;
  options.target = target;
  for (const std::string& arg : build_args) {
    size_t equals = arg.find('=');
    if (equals != std::string::npos) {
      options.build_args[arg.substr(0, equals)] = arg.substr(equals + 1);
    } else if (const char* value = std::getenv(arg.c_str())) {
      options.build_args[arg] = value;
    }
  }
  if (!platform.empty()) options.target_platform = parser::Platform::Parse(platform);
  return options;
}

}  // namespace imgbuild::cli
