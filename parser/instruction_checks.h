// Value checks shared by ParseInstruction (for values without variables)
// and ExpandInstruction (after expansion): what Docker rejects when it
// builds, rejected here with a message that says what is expected.
#ifndef IMGBUILD_PARSER_INSTRUCTION_CHECKS_H_
#define IMGBUILD_PARSER_INSTRUCTION_CHECKS_H_

#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::parser {

/// True for a `[fd]<<[-]NAME` word, the heredoc form BuildKit recognises
/// in RUN, COPY and ADD arguments.
bool IsHeredocWord(std::string_view word);

/// The value of `word` with quotes and escapes removed when it uses no
/// variable, so it can be checked before expansion; nullopt otherwise.
std::optional<std::string> ConstantValue(std::string_view word, char escape);

/// Throws Error unless `text` is "sha256:" + 64, "sha384:" + 96 or
/// "sha512:" + 128 lower-case hex digits, as ADD --checksum takes.
void CheckChecksum(std::string_view text);

/// Returns `port` ("80", "80/tcp", "53/UDP", "8000-8010/sctp") with its
/// protocol in lower case, as Docker records it. Throws Error for
/// anything else: ports are 0-65535, a range ascends, the protocol is
/// tcp, udp or sctp.
std::string CheckExposedPort(std::string_view port);

/// Throws Error unless `signal` is what Docker's STOPSIGNAL takes: a
/// positive number, or a Linux signal name with or without "SIG" in any
/// case ("SIGTERM", "quit", "SIGRTMIN+3").
void CheckStopSignal(std::string_view signal);

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_INSTRUCTION_CHECKS_H_
