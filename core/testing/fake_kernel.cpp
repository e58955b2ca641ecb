#include "core/testing/fake_kernel.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/parse.h"

namespace oomguard::core::testing {

TempTree::TempTree() {
  std::string templ = (std::filesystem::temp_directory_path() / "oomguard-core-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = templ;
}

TempTree::~TempTree() {
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

void TempTree::write(const std::string& rel, const std::string& text) const {
  const std::filesystem::path p = path(rel);
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

void TempTree::mkdirs(const std::string& rel) const {
  std::filesystem::create_directories(path(rel));
}

void TempTree::remove(const std::string& rel) const { std::filesystem::remove_all(path(rel)); }

ChildProcess::ChildProcess() {
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    for (;;) pause();
  }
  // The child's real start time: identity checks compare against it.
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::stringstream ss;
  ss << in.rdbuf();
  ProcStat st;
  if (!parse_proc_stat(ss.str(), &st)) throw std::runtime_error("cannot read child stat");
  start_time_ticks_ = st.start_time_ticks;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string psi_text(std::uint64_t some_us, std::uint64_t full_us) {
  return "some avg10=0.00 avg60=0.00 avg300=0.00 total=" + std::to_string(some_us) +
         "\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=" + std::to_string(full_us) + "\n";
}

void write_fake_process(const TempTree& tree, const FakeProcess& p) {
  const std::string dir = "proc/" + std::to_string(p.pid) + "/";
  const unsigned flags = p.kernel_thread ? kPfKthread : 0x400100u;
  std::ostringstream stat;
  stat << p.pid << " (" << p.comm << ") " << p.state << " 1 " << p.pid << " " << p.pid << " 0 -1 "
       << flags << " 0 0 0 0 0 0 0 0 20 0 1 0 " << p.start_time_ticks << " 4096 " << p.rss_kb / 4
       << " 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
  tree.write(dir + "stat", stat.str());
  std::ostringstream status;
  status << "Name:\t" << p.comm << "\nState:\t" << p.state << " (sleeping)\nPid:\t" << p.pid;
  if (!p.kernel_thread) {
    status << "\nVmRSS:\t" << p.rss_kb << " kB\nVmSwap:\t" << p.swap_kb << " kB";
  }
  status << "\nThreads:\t1\n";
  tree.write(dir + "status", status.str());
  tree.write(dir + "cgroup", "4:memory:/" + p.cgroup + "\n0::/" + p.cgroup + "\n");
  tree.write(dir + "oom_score_adj", std::to_string(p.oom_score_adj) + "\n");
  tree.write(dir + "oom_score", std::to_string(p.oom_score) + "\n");
}

void RecordingKiller::kill(const Victim& victim, const Clock& clock, KillReport* report) {
  kills_[count_ % kills_.size()] = {
      .pid = victim.pid, .kind = victim.kind, .at_ns = clock.now_ns()};
  ++count_;
  report->signal_errno = 0;
  report->signal_ns = clock.now_ns();
  report->mrelease_ns = clock.now_ns();
}

bool RecordingKiller::released(const Victim&) { return release_; }

}  // namespace oomguard::core::testing
