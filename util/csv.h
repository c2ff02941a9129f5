// One record of CSV as Go's encoding/csv reads it, the syntax of BuildKit's
// --mount values and buildx's -o values.
#ifndef IMGBUILD_UTIL_CSV_H_
#define IMGBUILD_UTIL_CSV_H_

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild {

/// The fields of one CSV record: `,` separates fields; a field that starts
/// with `"` is quoted (it may hold commas) and `""` inside it is a quote.
/// "" gives {""}. Throws Error with Go's wording for a quote anywhere else
/// or a quoted field that is not closed; callers add where the text came from.
std::vector<std::string> SplitCsvRecord(std::string_view text);

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_CSV_H_
