// ExpandInstruction: the fields BuildKit's dockerfile2llb expands for each
// instruction (its Expand/ExpandRaw methods and dispatchExpose), and the
// checks it makes on the expanded values.
#include <type_traits>

#include "parser/instruction_checks.h"
#include "parser/instructions.h"
#include "parser/mount.h"

namespace imgbuild::parser {
namespace {

class Expander {
 public:
  Expander(const WordExpander& expander, const VarLookup& lookup, std::set<std::string>* used)
      : expander_(expander), lookup_(lookup), used_(used) {}

  std::string Word(std::string_view word) const { return expander_.ExpandWord(word, lookup_, used_); }
  std::vector<std::string> Words(std::string_view text) const {
    return expander_.ExpandWords(text, lookup_, used_);
  }

  // A COPY/ADD heredoc body: BuildKit expands it with quotes taken
  // literally (SkipProcessQuotes) and '\' as the escape whatever the
  // recipe's escape token is. Escaping every quote not already escaped
  // makes WordExpander do exactly that.
  std::string HeredocBody(std::string_view body) const {
    std::string escaped;
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '\\' && i + 1 < body.size()) {
        escaped += body.substr(i, 2);
        ++i;
        continue;
      }
      if (body[i] == '\'' || body[i] == '"') escaped += '\\';
      escaped += body[i];
    }
    return WordExpander('\\').ExpandWord(escaped, lookup_, used_);
  }

  void operator()(FromCommand& from) const {
    std::string image = Word(from.image);
    if (image.empty()) Fail("base name ({}) should not be blank", from.image);
    from.image = image;
    from.platform = Word(from.platform);
  }

  void operator()(RunCommand& run) const {
    if (run.mounts.empty()) return;
    std::vector<std::string> specs;
    for (const Mount& mount : run.mounts) specs.push_back(mount.spec);
    run.mounts = ParseMounts(specs, [this](std::string_view value) { return std::optional(Word(value)); });
  }

  void operator()(LabelCommand& label) const { Pairs(label.labels); }
  void operator()(EnvCommand& env) const { Pairs(env.vars); }

  void operator()(ExposeCommand& expose) const {
    std::vector<std::string> ports;
    for (const std::string& word : expose.ports) {
      for (const std::string& port : Words(word)) ports.push_back(CheckExposedPort(port));
    }
    expose.ports = std::move(ports);
  }

  void operator()(ArgCommand& arg) const {
    for (ArgDeclaration& declaration : arg.args) {
      if (declaration.default_value) declaration.default_value = Word(*declaration.default_value);
    }
  }

  void operator()(CopyCommand& copy) const {
    for (std::string& source : copy.sources) {
      if (!(IsHeredocWord(source) && !copy.heredocs.empty())) source = Word(source);
    }
    copy.destination = Word(copy.destination);
    copy.from = Word(copy.from);
    copy.chown = Word(copy.chown);
    copy.chmod = Word(copy.chmod);
    if (!copy.chmod.empty()) ChmodSpec::Parse(copy.chmod);
    copy.checksum = Word(copy.checksum);
    if (!copy.checksum.empty()) CheckChecksum(copy.checksum);
    for (Heredoc& heredoc : copy.heredocs) {
      if (heredoc.expand) heredoc.content = HeredocBody(heredoc.content);
    }
  }

  void operator()(VolumeCommand& volume) const {
    for (std::string& path : volume.paths) {
      path = Word(path);
      if (path.empty()) Fail("VOLUME specified can not be an empty string");
    }
  }

  void operator()(UserCommand& user) const { user.user = Word(user.user); }
  void operator()(WorkdirCommand& workdir) const { workdir.path = Word(workdir.path); }

  void operator()(StopsignalCommand& stopsignal) const {
    stopsignal.signal = Word(stopsignal.signal);
    CheckStopSignal(stopsignal.signal);
  }

  // What the command runs is the shell's business (RUN, CMD, ENTRYPOINT,
  // SHELL, HEALTHCHECK); ONBUILD triggers expand when a child runs them;
  // MAINTAINER is kept as written.
  template <typename Unexpanded>
  void operator()(Unexpanded&) const {}

 private:
  void Pairs(std::vector<KeyValue>& pairs) const {
    for (KeyValue& pair : pairs) {
      pair.key = Word(pair.key);
      pair.value = Word(pair.value);
    }
  }

  const WordExpander& expander_;
  const VarLookup& lookup_;
  std::set<std::string>* used_;
};

}  // namespace

void ExpandInstruction(Instruction& instruction, const WordExpander& expander,
                       const VarLookup& lookup, const Ast& ast, std::set<std::string>* used) {
  try {
    std::visit(Expander(expander, lookup, used), instruction.command);
  } catch (const ParseError&) {
    throw;
  } catch (const ExpansionError& e) {
    throw ast.ErrorAt(instruction.keyword_at,
                      fmt::format("{}: failed to expand variables: {}", instruction.keyword, e.what()));
  } catch (const Error& e) {
    throw ast.ErrorAt(instruction.keyword_at, fmt::format("{}: {}", instruction.keyword, e.what()));
  }
}

}  // namespace imgbuild::parser
