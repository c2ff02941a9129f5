#include "builder/sandbox_init_binary.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fd.h"

// The static init program, built by CMake and included byte for byte.
asm(".pushsection .rodata\n"
    ".balign 16\n"
    "imgbuild_sandbox_init_begin:\n"
    ".incbin \"" IMGBUILD_SANDBOX_INIT_PROGRAM "\"\n"
    "imgbuild_sandbox_init_end:\n"
    ".popsection\n");
extern "C" const char imgbuild_sandbox_init_begin[];
extern "C" const char imgbuild_sandbox_init_end[];

namespace imgbuild::builder::sandbox_internal {
namespace {

UniqueFd CreateInitMemfd() {
  UniqueFd fd(memfd_create("imgbuild-sandbox-init", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) FailErrno("sandbox: create a memfd for the init program");
  WriteAll(fd.get(), imgbuild_sandbox_init_begin,
           static_cast<size_t>(imgbuild_sandbox_init_end - imgbuild_sandbox_init_begin),
           "the init program's memfd");
  // Sealed, so nothing (not even a process in a sandbox) can change what later sandboxes run.
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    FailErrno("sandbox: seal the init program's memfd");
  }
  return fd;
}

}  // namespace

int SandboxInitExecutable() {
  static const UniqueFd fd = CreateInitMemfd();
  return fd.get();
}

}  // namespace imgbuild::builder::sandbox_internal
