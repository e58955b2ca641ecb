#include "tools/scenario/zram.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/emergency.h"

namespace oomguard::scenario {
namespace {

namespace emergency = oomguard::testing::emergency;

constexpr const char* kControl = "/sys/class/zram-control";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool write_text(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

std::string marker_path(int id) {
  return std::string(kZramMarkerDir) + "/zram" + std::to_string(id) + ".owner";
}

// The classic swap header (mkswap's "SWAPSPACE2", version 1) in the first page.
std::string write_swap_header(const std::string& device, std::uint64_t size_bytes) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> header(page, 0);
  const std::uint32_t version = 1;
  const auto last_page = static_cast<std::uint32_t>(size_bytes / page - 1);
  std::memcpy(&header[1024], &version, 4);
  std::memcpy(&header[1028], &last_page, 4);  // nr_badpages at 1032 stays 0
  std::memcpy(&header[page - 10], "SWAPSPACE2", 10);
  const int fd = open(device.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return "open " + device + ": " + std::strerror(errno);
  const bool ok = write(fd, header.data(), page) == static_cast<ssize_t>(page) && fsync(fd) == 0;
  close(fd);
  return ok ? "" : "writing the swap header to " + device + " failed";
}

// swapoff, retrying while pages come back in (EBUSY/ENOMEM); EINVAL = not a swap (done).
std::string swap_off(const std::string& device) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (swapoff(device.c_str()) == 0 || errno == EINVAL) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return "swapoff " + device + ": " + std::strerror(errno);
}

std::string remove_device(int id) {
  std::string error;
  const std::string dev = "/sys/block/zram" + std::to_string(id);
  if (!write_text(dev + "/reset", "1")) error = "reset zram" + std::to_string(id) + " failed; ";
  if (!write_text(std::string(kControl) + "/hot_remove", std::to_string(id))) {
    error += "hot_remove zram" + std::to_string(id) + " failed";
  }
  return error;
}

// True when a line of /proc/swaps starts with `device` followed by white space.
bool listed_in_swaps(const std::string& swaps, const std::string& device) {
  std::istringstream in(swaps);
  std::string first;
  for (std::string line; std::getline(in, line);) {
    std::istringstream(line) >> first;
    if (first == device) return true;
  }
  return false;
}

}  // namespace

std::string read_proc_swaps() { return read_text("/proc/swaps"); }

std::string ZramSwap::unavailable_reason() {
  if (geteuid() != 0) return "needs root for swapon and zram";
  struct stat st {};
  if (stat((std::string(kControl) + "/hot_add").c_str(), &st) != 0) {
    return "no zram hot_add (/sys/class/zram-control; kernel without CONFIG_ZRAM?)";
  }
  return {};
}

std::string ZramSwap::enable(const ZramParams& p, ZramSwap* out) {
  out->disable();
  out->swaps_before_ = read_proc_swaps();
  int id = -1;
  const std::string added = read_text(std::string(kControl) + "/hot_add");
  std::from_chars(added.data(), added.data() + added.size(), id);
  if (id < 0) return "zram hot_add failed";
  out->id_ = id;
  out->slot_ = emergency::add_swap(out->device().c_str(), id);
  mkdir(kZramMarkerDir, 0755);
  std::ofstream(marker_path(id)) << getpid() << "\n";
  out->marker_slot_ = emergency::add_file(marker_path(id).c_str());
  const std::string dev = "/sys/block/zram" + std::to_string(id);
  if (!write_text(dev + "/mem_limit", std::to_string(p.mem_limit_bytes)) ||
      !write_text(dev + "/disksize", std::to_string(p.disksize_bytes))) {
    std::string error = "cannot size " + out->device();
    out->disable();
    return error;
  }
  if (std::string error = write_swap_header(out->device(), p.disksize_bytes); !error.empty()) {
    out->disable();
    return error;
  }
  if (swapon(out->device().c_str(), 0) != 0) {
    std::string error = "swapon " + out->device() + ": " + std::strerror(errno);
    out->disable();
    return error;
  }
  out->swapped_on_ = true;
  return {};
}

ZramSwap::~ZramSwap() { disable(); }

std::string ZramSwap::disable() {
  if (id_ < 0) return {};
  std::string error = swapped_on_ ? swap_off(device()) : "";
  if (error.empty()) {
    error = remove_device(id_);
    unlink(marker_path(id_).c_str());
  }
  swapped_on_ = false;
  emergency::remove(slot_);
  emergency::remove(marker_slot_);
  slot_ = -1;
  marker_slot_ = -1;
  id_ = -1;
  return error;
}

std::string sweep_stale_zram() {
  std::string report;
  DIR* dir = opendir(kZramMarkerDir);
  if (dir == nullptr) return report;
  while (const dirent* e = readdir(dir)) {
    int id = -1;
    const std::string name = e->d_name;
    if (name.rfind("zram", 0) != 0 || name.find(".owner") == std::string::npos) continue;
    std::from_chars(name.data() + 4, name.data() + name.size(), id);
    const std::string owner_text = read_text(std::string(kZramMarkerDir) + "/" + name);
    int owner = 0;
    std::from_chars(owner_text.data(), owner_text.data() + owner_text.size(), owner);
    if (id < 0 || (owner > 0 && (kill(owner, 0) == 0 || errno != ESRCH))) continue;
    const std::string device = "/dev/zram" + std::to_string(id);
    const std::string marker = std::string(kZramMarkerDir) + "/" + name;
    // Only a device still swapped on is certainly ours; a free id may since belong to someone.
    if (!listed_in_swaps(read_proc_swaps(), device)) {
      unlink(marker.c_str());
      report += "stale marker of " + device + " (not a swap any more): removed the marker\n";
      continue;
    }
    std::string error = swap_off(device);
    if (error.empty()) error = remove_device(id);
    if (error.empty()) unlink(marker.c_str());
    report += "stale " + device + " of dead pid " + std::to_string(owner) +
              (error.empty() ? ": swapped off and removed\n" : ": " + error + "\n");
  }
  closedir(dir);
  return report;
}

}  // namespace oomguard::scenario
