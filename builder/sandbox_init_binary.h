// Internal to the sandbox: the embedded imgbuild-sandbox-init program
// (sandbox_init_main.cc), ready to execute from a sealed memfd.
#ifndef IMGBUILD_BUILDER_SANDBOX_INIT_BINARY_H_
#define IMGBUILD_BUILDER_SANDBOX_INIT_BINARY_H_

namespace imgbuild::builder::sandbox_internal {

/// A close-on-exec descriptor of a sealed memfd holding the init program,
/// created on first use and kept for the life of the process; execveat(fd,
/// "", ..., AT_EMPTY_PATH) runs it. Throws Error when it cannot be created.
int SandboxInitExecutable();

}  // namespace imgbuild::builder::sandbox_internal

#endif  // IMGBUILD_BUILDER_SANDBOX_INIT_BINARY_H_
