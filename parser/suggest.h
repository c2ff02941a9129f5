// "Did you mean ...?" for misspelt names, as BuildKit's util/suggest.
#ifndef IMGBUILD_PARSER_SUGGEST_H_
#define IMGBUILD_PARSER_SUGGEST_H_

#include <string_view>
#include <vector>

namespace imgbuild::parser {

/// Returns the candidate closest to `word` by edit distance when it is a
/// near miss (at most a third of `word`'s length, and at least 2, edits
/// away), else "". Ties go to the earlier candidate.
std::string_view SuggestClosest(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_SUGGEST_H_
