#include "builder/cli.h"

int main(int argc, char** argv) {
  return imgbuild::cli::RunCli(argc, argv);
}
