// oomguard-extended: the ranking and reporting half of oomguard (see extended/daemon_main.h).
#include "extended/daemon_main.h"

int main(int argc, char** argv) { return oomguard::extended::extended_main(argc, argv); }
