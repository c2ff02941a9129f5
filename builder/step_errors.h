// How a build reports where it failed: errors of a step carry the recipe's
// "file:line", and cancellation is its own kind of error.
#ifndef IMGBUILD_BUILDER_STEP_ERRORS_H_
#define IMGBUILD_BUILDER_STEP_ERRORS_H_

#include <string>
#include <string_view>

#include "parser/source.h"
#include "util/error.h"

namespace imgbuild::builder {

/// A build stopped by its CancelToken (SIGINT, SIGTERM).
class BuildCancelled : public Error {
 public:
  using Error::Error;
};

/// Returns what `body` returns; an Error it throws comes out as Error
/// "<where>: <message>" (unless the message already starts with `where`).
/// BuildCancelled and ParseError (which point at the recipe themselves)
/// pass unchanged.
template <typename Body>
auto AtLocation(const std::string& where, Body&& body) {
  try {
    return body();
  } catch (const BuildCancelled&) {
    throw;
  } catch (const parser::ParseError&) {
    throw;
  } catch (const Error& error) {
    if (std::string_view(error.what()).starts_with(where + ":")) throw;
    Fail("{}: {}", where, error.what());
  }
}

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_STEP_ERRORS_H_
