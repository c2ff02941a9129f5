// libFuzzer target: any bytes through the whole parser (AST, typed
// instructions, expansion, graph, JSON). Only imgbuild::Error may escape
// the parser; crashes, hangs, leaks and sanitizer reports are bugs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parser/graph.h"
#include "parser/graph_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace imgbuild::parser;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    Ast ast = ParseAst(text, "fuzz");
    GraphOptions options;
    options.build_platform = Platform::Parse("linux/amd64");
    options.target_platform = options.build_platform;
    Graph graph = BuildGraph(ast, options);
    GraphToJsonText(graph);
    GraphToText(graph);
  } catch (const imgbuild::Error&) {
    // Rejecting bad input with a message is the expected outcome.
  }
  return 0;
}
