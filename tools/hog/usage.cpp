// The --help text (kept next to, but out of, the parser).
#include "tools/hog/cli.h"

namespace oomguard::hog {

std::string_view usage_text() {
  return R"(usage: hog [COMMON OPTIONS] MODE [MODE OPTIONS] [MODE [MODE OPTIONS]...]

Memory stress tool. Every MODE given runs at the same time in this one process (fanout also
starts worker processes). hog exits when every mode has finished; modes that run forever
(leak, canary or a hold without a duration) run until the process is killed.

Common options (allowed anywhere):
  --cgroup PATH      join this cgroup before allocating; repeatable. A relative NAME joins
                     both /sys/fs/cgroup/memory/NAME (v1 memcg, when mounted) and NAME in the
                     cgroup2 hierarchy (/sys/fs/cgroup/unified or /sys/fs/cgroup); an absolute
                     path joins exactly that directory. A missing directory is an error.
  --comm NAME        set the process name (prctl PR_SET_NAME, 1..15 bytes)
  --json             progress and summary as JSON objects, one per line
  --quiet            no progress or summary output (errors still go to stderr)
  --interval-ms MS   progress period (default 1000)
  -h, --help         this text

Modes:
  anon               allocate and touch anonymous memory (mmap, every page written)
    --total-mib N      total to allocate (required)
    --rate-mib R       MiB/s, fractional allowed; 0 = as fast as possible (default 0)
    --hold             then sleep holding it (default)
    --retouch          then keep writing every page
    --hold-s S         hold/retouch for S seconds, then exit (default: forever)
  thrash             page-cache thrash: mmap a file and re-read every page in a loop
    --file PATH        file to read (default hog-thrash.dat); created or extended to the size
    --file-mib N       size to map and read (required; size it above the available memory)
    --random           random page order with MADV_RANDOM (default sequential, MADV_SEQUENTIAL)
    --remove           unlink the file once it is mapped (gone even if hog is killed)
    --passes N         stop after N passes (default: forever)
    --duration-s S     stop after S seconds (default: forever)
  leak               slow anonymous growth forever, until killed
    --rate-mib R       MiB/s (default 1)
  spike              allocate quickly, hold briefly, release: a transient
    --mib N            size of each spike (required)
    --rate-mib R       allocation rate; 0 = as fast as possible (default 0)
    --hold-ms MS       hold time (default 1000)
    --repeat N         number of spikes (default 1)
    --every-ms MS      start-to-start period of spikes (default 0: back to back)
  fanout             N worker processes of M MiB each under this process ("make -j20")
    --workers N        number of workers (required, 1..4096)
    --worker-mib M     anonymous MiB per worker (required)
    --worker-comm NAME process name of the workers (default hog-worker)
    --rate-mib R       allocation rate per worker (default 0: as fast as possible)
    --retouch          workers keep writing their pages after allocating
    --hold-s S         workers exit S seconds after allocating (default: hold forever)
                     Workers die with SIGKILL if this process dies. The summary lists how each
                     worker ended; workers killed by a signal are reported, not an error.
  canary             measure this process's own stall: sleep a period (clock_nanosleep,
                     absolute) and touch a small working set, report the worst lateness
    --period-ms MS     sleep period (default 10)
    --ws-kib K         working set written every period (default 256)
    --duration-s S     stop after S seconds (default: forever)

Progress: one line per mode per interval on stdout (text, or JSON with --json; fields are
documented in tools/hog/README.md); a final summary when hog exits by itself.

Exit codes: 0 every mode finished; 1 runtime error (including a missing cgroup directory or a
fanout worker that exited non-zero); 2 usage error. Being killed is for the caller to see.

Examples:
  hog --cgroup test anon --total-mib 800 --rate-mib 100 --hold-s 30
  hog --json canary --duration-s 60
  hog --cgroup build fanout --workers 20 --worker-mib 50 --worker-comm cc1plus
  hog thrash --file /var/tmp/big --file-mib 3000 --random --duration-s 60
)";
}

}  // namespace oomguard::hog
