#include "builder/dockerignore.h"

#include "util/error.h"

// Placeholder: the contract is in dockerignore.h; the implementation is being written.
namespace imgbuild::builder {

IgnoreRules IgnoreRules::Parse(std::string_view, std::string_view origin) {
  Fail("{}: .dockerignore is not implemented yet", origin);
}
IgnoreRules IgnoreRules::ForBuild(const std::string&, const std::string&) { return IgnoreRules(); }
bool IgnoreRules::Excluded(std::string_view) const { return false; }
bool IgnoreRules::MayReincludeBelow(std::string_view) const { return true; }

}  // namespace imgbuild::builder
