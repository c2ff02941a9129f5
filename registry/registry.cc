#include "registry/registry.h"

#include "util/error.h"

// Placeholder: the contract is in registry.h; the client is being written.
namespace imgbuild::registry {

PullResult Pull(const layers::Store&, std::string_view reference, std::string_view,
                const RegistryOptions&) {
  Fail("cannot pull {}: registry support is not implemented yet; load the image with "
       "`imgbuild load` or use oci-layout://PATH",
       reference);
}

layers::Descriptor Push(const layers::Store&, const layers::Descriptor&,
                        std::string_view destination, const RegistryOptions&) {
  Fail("cannot push to {}: registry support is not implemented yet", destination);
}

void Login(std::string_view registry, std::string_view, std::string_view,
           const RegistryOptions&) {
  Fail("cannot log in to {}: registry support is not implemented yet", registry);
}

bool Logout(std::string_view registry, const RegistryOptions&) {
  Fail("cannot log out of {}: registry support is not implemented yet", registry);
}

}  // namespace imgbuild::registry
