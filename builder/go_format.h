// Go's formatting of values that BuildKit writes into image history
// entries (fmt's %q and %v, time.Duration), so that imgbuild's history
// text matches `docker build` byte for byte.
#ifndef IMGBUILD_BUILDER_GO_FORMAT_H_
#define IMGBUILD_BUILDER_GO_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::builder {

/// Go's strconv.Quote: `text` in double quotes, with \a \b \f \n \r \t \v
/// \\ \" escapes, other control bytes and invalid UTF-8 as \xNN, DEL as
/// \x7f; printable UTF-8 stays as it is.
std::string GoQuote(std::string_view text);

/// Go's `%q` of a []string: ["a" "b"].
std::string GoQuoteList(const std::vector<std::string>& items);

/// Go's `%v` of a []string: [a b].
std::string GoList(const std::vector<std::string>& items);

/// Go's time.Duration.String() of `nanoseconds`: "1m30s", "1.5s",
/// "500ms", "1h0m0s", "0s".
std::string GoDuration(int64_t nanoseconds);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_GO_FORMAT_H_
