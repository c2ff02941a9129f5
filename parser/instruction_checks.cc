#include "parser/instruction_checks.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "parser/shell_word.h"
#include "util/ascii.h"
#include "util/error.h"

namespace imgbuild::parser {
namespace {

bool IsDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<unsigned> ParsePort(std::string_view text) {
  if (!IsDigits(text) || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value > 65535) return std::nullopt;
  return value;
}

// Linux signal names Docker knows (moby/sys/signal SignalMap), without "SIG".
bool IsSignalName(const std::string& name) {
  static const std::set<std::string, std::less<>> kNames = {
      "ABRT", "ALRM", "BUS",  "CHLD", "CLD",    "CONT", "FPE",    "HUP",   "ILL",
      "INT",  "IO",   "IOT",  "KILL", "PIPE",   "POLL", "PROF",   "PWR",   "QUIT",
      "SEGV", "STKFLT", "STOP", "SYS", "TERM",  "TRAP", "TSTP",   "TTIN",  "TTOU",
      "URG",  "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX"};
  if (kNames.count(name) != 0) return true;
  for (std::string_view base : {"RTMIN+", "RTMAX-"}) {
    if (name.size() > base.size() && name.compare(0, base.size(), base) == 0) {
      std::string_view offset = std::string_view(name).substr(base.size());
      if (IsDigits(offset) && offset.size() <= 2 && offset[0] != '0') {
        int n = std::stoi(std::string(offset));
        return n <= (base == "RTMIN+" ? 15 : 14);
      }
    }
  }
  return false;
}

}  // namespace

bool IsHeredocWord(std::string_view word) {
  size_t i = 0;
  while (i < word.size() && std::isdigit(static_cast<unsigned char>(word[i]))) ++i;
  if (word.substr(i, 2) != "<<") return false;
  i += 2;
  if (i < word.size() && word[i] == '-') ++i;
  std::string_view name = word.substr(i);
  return name.find('<') == std::string_view::npos &&
         name.find_first_not_of("'\"") != std::string_view::npos;
}

std::optional<std::string> ConstantValue(std::string_view word, char escape) {
  std::set<std::string> used;
  try {
    std::string value = WordExpander(escape).ExpandWord(
        word, [](std::string_view) { return std::optional<std::string>(); }, &used);
    if (used.empty()) return value;
  } catch (const ExpansionError&) {
    // Reported when the instruction is expanded.
  }
  return std::nullopt;
}

void CheckChecksum(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, size_t>, 3> kAlgorithms = {
      {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}}};
  size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    std::string_view algorithm = text.substr(0, colon);
    std::string_view hex = text.substr(colon + 1);
    for (const auto& [name, length] : kAlgorithms) {
      if (algorithm == name && hex.size() == length &&
          hex.find_first_not_of("0123456789abcdef") == std::string_view::npos) {
        return;
      }
    }
  }
  Fail("invalid checksum \"{}\": expected sha256:<64 hex digits>, sha384:<96 hex digits> or "
       "sha512:<128 hex digits>, in lower case",
       text);
}

std::string CheckExposedPort(std::string_view port) {
  auto invalid = [&](std::string_view why) {
    Fail("invalid port \"{}\" for EXPOSE: {}; write PORT[/PROTOCOL] or FIRST-LAST[/PROTOCOL], "
         "e.g. 80, 53/udp, 8000-8010/tcp",
         port, why);
  };
  std::string_view numbers = port;
  std::string protocol;
  if (size_t slash = port.find('/'); slash != std::string_view::npos) {
    numbers = port.substr(0, slash);
    protocol = AsciiLower(port.substr(slash + 1));
    if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") {
      invalid("the protocol must be tcp, udp or sctp");
    }
  }
  if (numbers.find(':') != std::string_view::npos) {
    invalid("EXPOSE takes container ports only; host ports are chosen when the container runs");
  }
  size_t dash = numbers.find('-');
  std::optional<unsigned> first = ParsePort(numbers.substr(0, dash));
  std::optional<unsigned> last = dash == std::string_view::npos ? first : ParsePort(numbers.substr(dash + 1));
  if (!first || !last) invalid("a port is a number from 0 to 65535");
  if (*last < *first) invalid("the range ends before it starts");
  return protocol.empty() ? std::string(numbers) : fmt::format("{}/{}", numbers, protocol);
}

void CheckStopSignal(std::string_view signal) {
  if (IsDigits(signal) && signal.find_first_not_of('0') != std::string_view::npos) return;
  std::string name = AsciiUpper(signal);
  if (name.compare(0, 3, "SIG") == 0) name.erase(0, 3);
  if (!IsSignalName(name)) {
    Fail("invalid signal \"{}\" for STOPSIGNAL: use a name such as SIGTERM, SIGINT or SIGQUIT, "
         "or a positive number",
         signal);
  }
}

}  // namespace imgbuild::parser
