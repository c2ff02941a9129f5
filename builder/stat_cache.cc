#include "builder/stat_cache.h"

#include "util/error.h"

// Placeholder: the contract is in stat_cache.h; the implementation is being written.
namespace imgbuild::builder {

StatCache StatCache::Load(const std::string&) { return StatCache(); }
void StatCache::Save(const std::string&) const {}
layers::Digest StatCache::FileDigest(const std::string& path, const struct stat&) {
  Fail("{}: the stat cache is not implemented yet", path);
}
size_t StatCache::files_read() const { return files_read_; }

}  // namespace imgbuild::builder
