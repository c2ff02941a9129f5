// "Did you mean ...?" for misspelt names, as BuildKit's util/suggest.
#ifndef IMGBUILD_PARSER_SUGGEST_H_
#define IMGBUILD_PARSER_SUGGEST_H_

#include <string_view>
#include <vector>

namespace imgbuild::parser {

/// Returns the candidate closest to `word` by edit distance when it is a
/// near miss (at most 2 edits for a word of 3 or more characters, or at
/// most a third of the candidate's length), else "". Ties go to the
/// earlier candidate.
std::string_view SuggestClosest(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_SUGGEST_H_
