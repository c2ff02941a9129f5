#include "util/csv.h"

#include <algorithm>

#include "util/error.h"

namespace imgbuild {

std::vector<std::string> SplitCsvRecord(std::string_view text) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (true) {
    std::string field;
    if (i < text.size() && text[i] == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) Fail("extraneous or missing \" in quoted field");
        if (text[i] != '"') {
          field += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == '"') {
          field += text[++i];
        } else {
          ++i;
          break;
        }
      }
      if (i < text.size() && text[i] != ',') Fail("extraneous or missing \" in quoted field");
    } else {
      size_t end = std::min(text.find(',', i), text.size());
      field = std::string(text.substr(i, end - i));
      if (field.find('"') != std::string::npos) Fail("bare \" in non-quoted field \"{}\"", field);
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= text.size()) return fields;
    ++i;  // the comma
  }
}

}  // namespace imgbuild
