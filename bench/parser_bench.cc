// How long the parser takes on a large recipe: a 10,000-line multi-stage
// recipe with continuations, heredocs, expansions and every instruction.
// Goal (issue 2): well under 100 ms for AST + instructions + graph.
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "parser/graph.h"

namespace {

using namespace imgbuild::parser;

// About `lines` lines of recipe, in stages of ~200 lines.
std::string MakeRecipe(int lines) {
  std::string text = "# syntax=docker/dockerfile:1\nARG BASE=debian:12\nARG VERSION=1.0\n";
  int written = 3;
  for (int stage = 0; written < lines; ++stage) {
    text += fmt::format("FROM ${{BASE}} AS stage{}\n", stage);
    text += "ARG VERSION\nENV APP_HOME=/opt/app PATH=/opt/app/bin:$PATH\nWORKDIR $APP_HOME\n";
    written += 4;
    for (int i = 0; i < 20 && written < lines; ++i) {
      text += fmt::format(
          "RUN apt-get update && \\\n    apt-get install -y --no-install-recommends pkg{0}-a pkg{0}-b \\\n"
          "    && rm -rf /var/lib/apt/lists/*\n"
          "COPY --chown=1000:1000 --chmod=0644 src/${{VERSION}}/file{0}.txt ${{APP_HOME}}/data/\n"
          "LABEL com.example.step{0}=\"value ${{VERSION%%.*}}\" other=plain\n"
          "RUN --mount=type=cache,target=/root/.cache,sharing=locked <<EOF\n"
          "echo step {0}\nmake -j2 target{0}\nEOF\n",
          i);
      written += 10;
    }
    if (stage > 0) {
      text += fmt::format("COPY --from=stage{} /opt/app/out /opt/app/prev\n", stage - 1);
      ++written;
    }
    text += "EXPOSE 8080/tcp 9000-9010\nUSER 1000:1000\nCMD [\"/opt/app/bin/server\", \"--port\", \"8080\"]\n";
    written += 3;
  }
  return text;
}

void BM_ParseTenThousandLines(benchmark::State& state) {
  std::string recipe = MakeRecipe(10000);
  GraphOptions options;
  for (auto _ : state) {
    Ast ast = ParseAst(recipe, "Buildfile");
    Graph graph = BuildGraph(ast, options);
    benchmark::DoNotOptimize(graph);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * recipe.size()));
  state.counters["lines"] = 10000;
}
BENCHMARK(BM_ParseTenThousandLines)->Unit(benchmark::kMillisecond);

void BM_AstOnlyTenThousandLines(benchmark::State& state) {
  std::string recipe = MakeRecipe(10000);
  for (auto _ : state) benchmark::DoNotOptimize(ParseAst(recipe, "Buildfile"));
}
BENCHMARK(BM_AstOnlyTenThousandLines)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
