// `imgbuild parse`: prints the resolved instruction graph of a recipe.
#include <memory>

#include <fmt/format.h>

#include "builder/commands.h"
#include "builder/recipe_options.h"
#include "parser/graph_json.h"

namespace imgbuild::cli {
namespace {

struct ParseCommandOptions {
  RecipeOptions recipe;
  std::string format = "text";
};

int RunParse(const ParseCommandOptions& options) {
  parser::Ast ast = parser::ParseRecipeFile(options.recipe.RecipePath());
  parser::Graph graph = parser::BuildGraph(ast, options.recipe.ToGraphOptions());
  if (options.format == "json") {
    fmt::print("{}", parser::GraphToJsonText(graph));
  } else {
    fmt::print("{}", parser::GraphToText(graph));
  }
  return 0;
}

}  // namespace

CommandSpec ParseCommand() {
  return {"parse", "Print the resolved instruction graph of a recipe",
          [](CLI::App& app) -> Action {
            auto options = std::make_shared<ParseCommandOptions>();
            options->recipe.AddTo(app);
            app.add_option("--format", options->format, "Output format: text or json (docs/parse-json.md)")
                ->check(CLI::IsMember({"text", "json"}));
            return [options] { return RunParse(*options); };
          }};
}

}  // namespace imgbuild::cli
