// What `imgbuild parse` prints: the resolved graph as stable JSON (see
// docs/parse-json.md) or as text for people.
#ifndef IMGBUILD_PARSER_GRAPH_JSON_H_
#define IMGBUILD_PARSER_GRAPH_JSON_H_

#include <string>

#include <nlohmann/json.hpp>

#include "parser/graph.h"

namespace imgbuild::parser {

/// One instruction as a JSON object: `keyword` and `line` first, then
/// `end_line` and the typed fields of its keyword (docs/parse-json.md).
nlohmann::ordered_json InstructionToJson(const Instruction& instruction);

/// The whole graph; field order and formatting are stable across runs.
nlohmann::ordered_json GraphToJson(const Graph& graph);

/// GraphToJson as indented text. Bytes that are not UTF-8 (a recipe may
/// hold any) are replaced with U+FFFD instead of failing.
std::string GraphToJsonText(const Graph& graph);

/// A compact, human-readable listing of the graph.
std::string GraphToText(const Graph& graph);

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_GRAPH_JSON_H_
