// The Kubernetes preset (oomguard-kubernetes.toml) against fake kubelet cgroup trees of both
// cgroup drivers: it must load, protect the node's services, and rank containers of BestEffort
// pods before Burstable before Guaranteed, before anything else on the node. Uses the real
// scanner (plain reader) on a FakeTree and the real policy and ranking of oomguard-extended.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/load.h"
#include "extended/policy.h"
#include "extended/policy_rank.h"
#include "extended/scan_fake_tree.h"
#include "extended/scan_reader.h"
#include "extended/scan_tree.h"

namespace oomguard::extended {
namespace {

constexpr std::uint64_t kMiB = 1 << 20;

config::Config load_preset() {
  config::LoadResult r = config::load_file(OOMGUARD_K8S_PRESET);
  std::string errors;
  for (const auto& e : r.errors) errors += e.to_string() + "\n";
  EXPECT_TRUE(r.config.has_value()) << errors;
  return r.config.value_or(config::defaults());
}

enum class Driver { kSystemd, kCgroupfs };

// Where kubelet puts a pod and its containers, per driver and QoS class.
struct Layout {
  Driver driver;
  std::string kubepods() const {
    return driver == Driver::kSystemd ? "kubepods.slice" : "kubepods";
  }
  // qos: "besteffort", "burstable" or "" (guaranteed: directly under kubepods).
  std::string qos_dir(const std::string& qos) const {
    if (qos.empty()) return kubepods();
    return driver == Driver::kSystemd ? kubepods() + "/kubepods-" + qos + ".slice"
                                      : kubepods() + "/" + qos;
  }
  std::string pod(const std::string& qos, const std::string& uid) const {
    if (driver == Driver::kCgroupfs) return qos_dir(qos) + "/pod" + uid;
    std::string u = uid;  // the systemd driver writes the uid's '-' as '_'
    for (char& c : u) c = c == '-' ? '_' : c;
    return qos_dir(qos) + "/kubepods-" + (qos.empty() ? "" : qos + "-") + "pod" + u + ".slice";
  }
  std::string container(const std::string& pod_path, const std::string& id) const {
    return pod_path + "/" + (driver == Driver::kSystemd ? "cri-containerd-" + id + ".scope" : id);
  }
};

struct Tree {
  FakeTree tree;
  Layout layout;
  std::string besteffort_app{}, burstable_app{}, burstable_sidecar{}, guaranteed_db{};
};

void add(FakeTree& t, const std::string& cgroup, std::uint64_t mib) {
  auto r = t.add_cgroup(FakeCgroup{.path = cgroup, .usage_bytes = mib * kMiB});
  ASSERT_TRUE(r) << r.error().message;
}

void proc(FakeTree& t, pid_t pid, const std::string& comm, const std::string& cgroup,
          std::uint64_t mib, int adj = 0) {
  auto r = t.add_process(FakeProcess{.pid = pid,
                                     .comm = comm,
                                     .cmdline = comm,
                                     .oom_score_adj = adj,
                                     .rss_kb = mib * 1024,
                                     .cgroup = cgroup,
                                     .start_time_ticks = 1000 + static_cast<std::uint64_t>(pid)});
  ASSERT_TRUE(r) << r.error().message;
}

// A node: systemd services, an admin's session, and one pod per QoS class, each with its pause
// container; the Guaranteed pod is the largest, the BestEffort one the smallest.
Tree make_node(Driver driver, bool hybrid) {
  auto created = FakeTree::create(
      FakeTreeParams{.testdata_dir = OOMGUARD_EXTENDED_TESTDATA, .hybrid = hybrid});
  EXPECT_TRUE(created) << (created ? "" : created.error().message);
  Tree n{.tree = std::move(created.value()), .layout = Layout{driver}};
  FakeTree& t = n.tree;
  const Layout& l = n.layout;
  add(t, "init.scope", 10);
  proc(t, 1, "systemd", "init.scope", 10);
  add(t, "system.slice", 900);
  add(t, "system.slice/kubelet.service", 300);
  proc(t, 100, "kubelet", "system.slice/kubelet.service", 300, -999);
  add(t, "system.slice/containerd.service", 600);
  proc(t, 110, "containerd", "system.slice/containerd.service", 200, -999);
  proc(t, 111, "containerd-shim", "system.slice/containerd.service", 400, -998);
  add(t, "user.slice", 500);
  add(t, "user.slice/user-1000.slice", 500);
  add(t, "user.slice/user-1000.slice/session-3.scope", 500);
  proc(t, 300, "bash", "user.slice/user-1000.slice/session-3.scope", 10);
  proc(t, 301, "vim", "user.slice/user-1000.slice/session-3.scope", 490);

  add(t, l.kubepods(), 4800);
  add(t, l.qos_dir("besteffort"), 201);
  add(t, l.qos_dir("burstable"), 1551);
  const std::string be = l.pod("besteffort", "1a2b3c4d-0000-4000-8000-00000000be01");
  const std::string bu = l.pod("burstable", "5e6f7a8b-0000-4000-8000-00000000bu02");
  const std::string gu = l.pod("", "9a8b7c6d-0000-4000-8000-00000000gu03");
  add(t, be, 201);
  add(t, bu, 1551);
  add(t, gu, 3001);
  const std::string be_pause = l.container(be, "aaaa01"), be_app = l.container(be, "bbbb02");
  const std::string bu_pause = l.container(bu, "cccc03"), bu_app = l.container(bu, "dddd04");
  const std::string bu_side = l.container(bu, "eeee05");
  const std::string gu_pause = l.container(gu, "ffff06"), gu_db = l.container(gu, "aaaa07");
  for (const auto& [path, mib] :
       std::vector<std::pair<std::string, std::uint64_t>>{{be_pause, 1},
                                                          {be_app, 200},
                                                          {bu_pause, 1},
                                                          {bu_app, 1500},
                                                          {bu_side, 50},
                                                          {gu_pause, 1},
                                                          {gu_db, 3000}}) {
    add(t, path, mib);
  }
  // kubelet's oom_score_adj: BestEffort 1000, Burstable 2..999, Guaranteed -997, pause -998.
  proc(t, 500, "pause", be_pause, 1, -998);
  proc(t, 501, "python3", be_app, 200, 1000);
  proc(t, 510, "pause", bu_pause, 1, -998);
  proc(t, 511, "java", bu_app, 1500, 900);
  proc(t, 512, "envoy", bu_side, 50, 900);
  proc(t, 520, "pause", gu_pause, 1, -998);
  proc(t, 521, "postgres", gu_db, 2000, -997);
  proc(t, 522, "postgres", gu_db, 1000, -997);
  n.besteffort_app = be_app;
  n.burstable_app = bu_app;
  n.burstable_sidecar = bu_side;
  n.guaranteed_db = gu_db;
  return n;
}

Ranking rank_node(const Tree& n, const config::Config& c) {
  std::unique_ptr<FileReader> reader = make_plain_reader();
  Scanner scanner(ScannerParams{.proc = n.tree.proc(),
                                .cgroups = n.tree.cgroups(),
                                .reader = reader.get(),
                                .options = ScanOptions{.scope = ""}});
  auto scan = scanner.scan();
  EXPECT_TRUE(scan) << (scan ? "" : scan.error().message);
  if (!scan) return {};
  auto policy = Policy::compile(c.extended, c.core);
  EXPECT_TRUE(policy) << (policy ? "" : policy.error().message);
  if (!policy) return {};
  return rank(RankParams{.scan = &scan.value(), .policy = &policy.value()});
}

// "c:/path" for cgroup entries, "p:comm" for processes, in kill order.
std::vector<std::string> order(const Ranking& r) {
  std::vector<std::string> out;
  for (const RankedEntry& e : r.entries) {
    out.push_back(e.kind == shm::EntryKind::kCgroup ? "c:/" + e.cgroup_path : "p:" + e.comm);
  }
  return out;
}

TEST(KubernetesPreset, LoadsAndKeepsTheDefaultsItDoesNotSet) {
  const config::Config c = load_preset();
  EXPECT_TRUE(c.core.scope.empty());  // "/" = the whole node
  EXPECT_EQ(c.extended.rules.size(), 11u);
  EXPECT_EQ(c.extended.output.kill_log, "/var/log/oomguard/kills.jsonl");
  EXPECT_EQ(c.core.monitors, config::defaults().core.monitors);
  EXPECT_EQ(c.core.triggers, config::defaults().core.triggers);
}

struct Node {
  Driver driver;
  bool hybrid;
};
constexpr Node kNodes[] = {{Driver::kSystemd, false},
                           {Driver::kSystemd, true},
                           {Driver::kCgroupfs, false},
                           {Driver::kCgroupfs, true}};

std::string name_of(const Node& node) {
  return std::string(node.driver == Driver::kSystemd ? "systemd" : "cgroupfs") + " driver, " +
         (node.hybrid ? "hybrid (v1 memcg)" : "cgroup v2");
}

TEST(KubernetesPreset, RanksBestEffortThenBurstableThenGuaranteedThenTheRest) {
  for (const Node& node : kNodes) {
    SCOPED_TRACE(name_of(node));
    const Tree n = make_node(node.driver, node.hybrid);
    const Ranking r = rank_node(n, load_preset());
    EXPECT_EQ(order(r), (std::vector<std::string>{"c:/" + n.besteffort_app, "c:/" + n.burstable_app,
                                                  "c:/" + n.burstable_sidecar,
                                                  "c:/" + n.guaranteed_db, "p:vim", "p:bash"}));
    for (const RankedEntry& e : r.entries) {
      if (e.kind == shm::EntryKind::kCgroup) {
        EXPECT_EQ(e.kill_mode, shm::KillMode::kGroup) << e.cgroup_path;
        EXPECT_EQ(e.rule_name.rfind("container", 0), 0u) << e.cgroup_path << ": " << e.rule_name;
      }
    }
  }
}

TEST(KubernetesPreset, WithoutThePresetTheLargestGoesFirst) {
  // The control: the default policy on the same trees picks the Guaranteed database first, so
  // the order above comes from the preset's rules, not from the trees.
  for (const Node& node : kNodes) {
    SCOPED_TRACE(name_of(node));
    const Tree n = make_node(node.driver, node.hybrid);
    const Ranking r = rank_node(n, config::defaults());
    ASSERT_FALSE(r.entries.empty());
    EXPECT_EQ(r.entries.front().comm, "postgres");
  }
}

// The rules alone (fnmatch on '/'-rooted paths, first match wins), per cgroup of both drivers.
TEST(KubernetesPreset, RuleMatchingPerCgroup) {
  const config::Config c = load_preset();
  auto policy = Policy::compile(c.extended, c.core);
  ASSERT_TRUE(policy) << policy.error().message;
  struct Case {
    std::string path;
    int priority;
    shm::KillMode kill_mode;
    bool is_protected;
  };
  const std::vector<Case> cases = {
      {"kubepods.slice", 300, shm::KillMode::kProcess, false},
      {"kubepods.slice/kubepods-besteffort.slice", 100, shm::KillMode::kProcess, false},
      {"kubepods.slice/kubepods-burstable.slice", 300, shm::KillMode::kProcess, false},
      {"kubepods.slice/kubepods-pod12_34.slice", 700, shm::KillMode::kProcess, false},
      {"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12_34.slice", 500,
       shm::KillMode::kProcess, false},
      {"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12_34.slice/"
       "cri-containerd-abc.scope",
       500, shm::KillMode::kGroup, false},
      {"kubepods.slice/kubepods-pod12_34.slice/crio-abc.scope", 500, shm::KillMode::kGroup, false},
      {"kubepods", 300, shm::KillMode::kProcess, false},
      {"kubepods/besteffort", 100, shm::KillMode::kProcess, false},
      {"kubepods/burstable", 300, shm::KillMode::kProcess, false},
      {"kubepods/pod12-34", 700, shm::KillMode::kProcess, false},
      {"kubepods/besteffort/pod12-34", 500, shm::KillMode::kProcess, false},
      {"kubepods/besteffort/pod12-34/abcdef", 500, shm::KillMode::kGroup, false},
      {"kubepods/pod12-34/abcdef", 500, shm::KillMode::kGroup, false},
      {"user.slice", 500, shm::KillMode::kProcess, false},
      {"system.slice/kubelet.service", 500, shm::KillMode::kProcess, true},
      {"init.scope", 500, shm::KillMode::kProcess, true},
  };
  for (const Case& k : cases) {
    CgroupInfo cg{.path = k.path, .id = 7};
    const Decision d = policy->decide_cgroup(cg);
    EXPECT_EQ(d.is_protected, k.is_protected) << k.path << ": " << d.why;
    if (k.is_protected) continue;
    EXPECT_EQ(d.priority, k.priority) << k.path << ": " << d.why;
    EXPECT_EQ(d.kill_mode, k.kill_mode) << k.path << ": " << d.why;
  }
}

}  // namespace
}  // namespace oomguard::extended
