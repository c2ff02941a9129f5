// Options every command that reads a recipe shares (parse, build, verify):
// -f, --target, --build-arg, --platform, and the context directory.
#ifndef IMGBUILD_BUILDER_RECIPE_OPTIONS_H_
#define IMGBUILD_BUILDER_RECIPE_OPTIONS_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "parser/graph.h"

namespace imgbuild::cli {

struct RecipeOptions {
  std::string file;                     ///< -f; "" = CONTEXT/Buildfile, else CONTEXT/Dockerfile.
  std::string target;
  std::vector<std::string> build_args;  ///< NAME=VALUE, or NAME to take it from the environment.
  std::string platform;
  std::string context = ".";

  /// Registers the options on `app`.
  void AddTo(CLI::App& app);
  /// The recipe path to read: -f as given, or the default names in the context.
  std::string RecipePath() const;
  /// GraphOptions from the flags. Throws Error for a malformed --platform.
  parser::GraphOptions ToGraphOptions() const;
};

}  // namespace imgbuild::cli

#endif  // IMGBUILD_BUILDER_RECIPE_OPTIONS_H_
