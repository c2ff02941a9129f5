// The instruction graph: stages with their expanded steps, the edges
// between stages (FROM <stage>, COPY --from, RUN --mount from=), ARG
// scoping, --target pruning, and which stages may run at the same time.
// Modelled on BuildKit's dockerfile2llb, minus the execution.
#ifndef IMGBUILD_PARSER_GRAPH_H_
#define IMGBUILD_PARSER_GRAPH_H_

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "parser/ast.h"
#include "parser/instructions.h"
#include "parser/platform.h"

namespace imgbuild::parser {

/// What the graph needs to know of a base image it cannot read itself.
struct BaseImageInfo {
  std::vector<std::string> env;      ///< "KEY=value" entries of the image config.
  std::vector<std::string> onbuild;  ///< ONBUILD trigger texts of the image config.
};

/// Answers BaseImageInfo for an image reference and platform ("" = default).
using BaseImageResolver =
    std::function<BaseImageInfo(const std::string& image, const std::string& platform)>;

struct GraphOptions {
  std::map<std::string, std::string> build_args;  ///< --build-arg NAME=VALUE.
  std::string target;           ///< --target: a stage name or index; "" = the last stage.
  Platform build_platform = Platform::Host();
  Platform target_platform = Platform::Host();
  /// Unset: image bases count as having no ENV and no ONBUILD triggers
  /// (what `imgbuild parse` shows).
  BaseImageResolver resolve_base;
};

/// An instruction of a stage after expansion.
struct Step {
  Instruction instruction;
  /// ARGs in scope with a value at this step, in declaration order: the
  /// environment a RUN sees on top of ENV, and part of its cache key.
  std::vector<KeyValue> build_args;
  /// Names of the build args expansion of this step looked up.
  std::set<std::string> used_args;
  /// True for a trigger inherited from the base's ONBUILD.
  bool from_onbuild = false;
};

struct Stage {
  int index = 0;
  std::string name;              ///< Lower-cased AS name, "" when unnamed.
  FromCommand from;              ///< Expanded: image ref, or the base stage's name.
  SourceRange from_range;
  std::optional<int> base_stage; ///< Set when FROM names an earlier stage.
  std::vector<Step> steps;       ///< Every instruction after FROM, in order.
  /// Stages this one reads, ascending: the base, COPY --from, RUN --mount from=.
  std::vector<int> dependencies;
  /// Images (not stages) read by COPY --from or RUN --mount from=, sorted.
  std::vector<std::string> image_dependencies;
};

/// A global ARG (before the first FROM), after --build-arg overrides.
struct GlobalArg {
  std::string name;
  std::optional<std::string> value;
  SourceLocation where;
};

struct Graph {
  std::string file;
  Directives directives;
  std::vector<GlobalArg> global_args;
  std::vector<Stage> stages;
  int target = 0;                 ///< Index of the stage the build produces.
  std::vector<int> required;      ///< Stages the target needs (itself included), ascending.
  /// `required` in waves: a wave's stages depend only on earlier waves, so
  /// the stages of one wave may run at the same time.
  std::vector<std::vector<int>> waves;
  std::vector<Warning> warnings;  ///< Parser warnings, then unused build args.
};

/// The ARGs every stage may declare without a default and still get a
/// value: TARGETPLATFORM, TARGETOS, ..., BUILDPLATFORM, ... (also usable in
/// FROM lines without declaring them).
std::map<std::string, std::string> AutomaticArgs(const GraphOptions& options);

/// True for HTTP_PROXY and its kin: usable in RUN through --build-arg
/// without an ARG line, and kept out of image history.
bool IsProxyArg(const std::string& name);

/// Resolves `ast` into a graph. Throws ParseError for a recipe without
/// FROM, an unknown stage in --from or --target, a stage used before it is
/// defined or by itself, duplicate stage names, and failed expansions.
Graph BuildGraph(const Ast& ast, const GraphOptions& options);

/// Parses the recipe at `path` ("-" reads standard input). Throws
/// ParseError, or Error when the file cannot be read.
Ast ParseRecipeFile(const std::string& path);

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_GRAPH_H_
