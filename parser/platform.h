// The parser names platforms with util's PlatformSpec (shared with the
// registry's image selection).
#ifndef IMGBUILD_PARSER_PLATFORM_H_
#define IMGBUILD_PARSER_PLATFORM_H_

#include "util/platform.h"

namespace imgbuild::parser {

using Platform = PlatformSpec;

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_PLATFORM_H_
