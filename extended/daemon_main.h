// extended/daemon_main: what `oomguard-extended` does with its command line (daemon_cli.h):
// --help, --check-config (config::check_config_main), --explain (one scan + rank printed with
// explain.h, no shared region needed) or the daemon (attach the region from --shm-fd, load the
// configuration, run Daemon with the SystemRanker).
#pragma once

namespace oomguard::extended {

int extended_main(int argc, char** argv);

}  // namespace oomguard::extended
