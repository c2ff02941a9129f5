// imgbuild-sandbox-init: the sandbox's PID 1 once the namespaces are set up
// and the command started (see sandbox_child.h). It reaps every process the
// namespace orphans, so scripts waiting for a grandchild never hang on a
// zombie, reports the command's wait status on the report pipe and exits,
// which makes the kernel kill whatever the command left running.
//
// A separate static program, embedded into the library and executed from a
// memfd: PID 1 starts as a clone sharing imgbuild's memory (copying it is what
// makes fork slow) and must exec something small to become a process of its own.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "builder/sandbox_report.h"

using imgbuild::builder::sandbox_internal::ChildReport;
using imgbuild::builder::sandbox_internal::kReportFd;

// Usage: imgbuild-init <pid of the command>
int main(int argc, char** argv) {
  prctl(PR_SET_NAME, "imgbuild-init", 0, 0, 0);  // the memfd would name it "4"
  if (argc != 2) return 125;
  pid_t command = static_cast<pid_t>(std::atoi(argv[1]));
  int status = 0;
  while (true) {
    pid_t pid = waitpid(-1, &status, 0);
    if (pid == command) break;
    if (pid < 0 && errno != EINTR) return 125;
  }
  ChildReport report;
  report.kind = ChildReport::kCommandEnded;
  report.wait_status = status;
  return write(kReportFd, &report, sizeof(report)) == sizeof(report) ? 0 : 125;
}
