// Drives a real dfscheduler process with simulated daemons over its real protocol (one TCP
// connection per simulated host) and measures how fast it decides: the latency from a peer's
// register_peer to the first `parents` message for that peer, decisions (parents messages) per
// second, and the scheduler's resident memory.
//
// A simulated seed host answers every seed_task as a seed that already holds the task (register
// complete, task_meta, every piece_done with a digest, peer_done). Then the peers register at a
// fixed rate; each reports a few pieces afterwards, as real peers do.
//
//   scheduler_load --scheduler build/apps/dfscheduler --tasks 1 --peers-per-task 10000
//   scheduler_load --scheduler build/apps/dfscheduler --tasks 1000 --peers-per-task 10 --hosts 1000

#include "core/digest.hpp"
#include "core/ids.hpp"
#include "net/frame.hpp"
#include "net/scheduler_protocol.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

namespace proto = df::net::proto;
using clock_type = std::chrono::steady_clock;

/// One simulated daemon: a connection, its buffers, and the host it says it is.
struct sim_host {
  int fd = -1;
  std::string host_id;
  std::string in, out;
};

/// What the run measures.
struct load_stats {
  std::unordered_map<std::string, clock_type::time_point> registered_at;  // peer → when it registered
  std::vector<double> latencies_ms;
  std::uint64_t parents_messages = 0, have_messages = 0, seed_tasks = 0;
};

std::uint16_t free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

int connect_to(std::uint16_t port) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(s);
    return -1;
  }
  const int one = 1;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return s;
}

void queue(sim_host& h, const proto::message& m) {
  h.out += df::net::encode_frame(df::net::frame_kind::message, proto::encode(m));
}

void flush(sim_host& h) {
  while (!h.out.empty()) {
    const auto n = ::send(h.fd, h.out.data(), h.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) return;  // full: the epoll loop comes back
    h.out.erase(0, static_cast<std::size_t>(n));
  }
}

std::string task_url(std::uint32_t t) { return fmt::format("http://origin/{}", t); }
// The scheduler checks that a task ID is the one its URL gives.
std::string task_id(std::uint32_t t) { return df::compute_task_id({task_url(t), "", "", {}}); }

/// The simulated world: hosts, the seed's answers, the peers' pieces.
class load_driver {
 public:
  load_driver(std::uint16_t port, std::uint32_t hosts, std::uint32_t pieces) : pieces_(pieces) {
    epoll_ = ::epoll_create1(0);
    for (std::uint32_t i = 0; i <= hosts; ++i) {  // host 0 is the seed
      sim_host h;
      h.fd = connect_to(port);
      if (h.fd < 0) throw std::runtime_error(fmt::format("cannot connect host {} to the scheduler", i));
      h.host_id = i == 0 ? "seed-1" : fmt::format("sim{}-1", i);
      proto::host_info info;
      info.host_id = h.host_id;
      info.hostname = h.host_id;
      info.ip = "127.0.0.1";
      info.upload_port = 1;
      info.seed = i == 0;
      queue(h, proto::hello{proto::protocol_version, info});
      flush(h);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = i;
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, h.fd, &ev);
      hosts_.push_back(std::move(h));
    }
  }

  /// Registers peer `peer` of task `t` on host `h` (1-based).
  void register_peer(std::uint32_t h, std::uint32_t t, const std::string& peer) {
    stats_.registered_at[peer] = clock_type::now();
    queue(hosts_[h], proto::register_peer{task_id(t), peer, task_url(t), {}, "", "", {}});
    flush(hosts_[h]);
    if (!hosts_[h].out.empty()) backlog_.insert(h);
  }

  /// Reads and answers whatever arrived, for up to `budget`.
  void pump(std::chrono::milliseconds budget) {
    // Output the kernel would not take earlier (full socket buffer) goes out first.
    for (auto it = backlog_.begin(); it != backlog_.end();) {
      flush(hosts_[*it]);
      it = hosts_[*it].out.empty() ? backlog_.erase(it) : std::next(it);
    }
    epoll_event events[256];
    const auto n = ::epoll_wait(epoll_, events, 256, static_cast<int>(budget.count()));
    for (int k = 0; k < n; ++k) read_host(events[k].data.u32);
  }

  load_stats& stats() { return stats_; }

 private:
  void read_host(std::uint32_t i) {
    sim_host& h = hosts_[i];
    char buf[65536];
    const auto n = ::recv(h.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return;
    h.in.append(buf, static_cast<std::size_t>(n));
    std::size_t at = 0;
    while (h.in.size() - at >= df::net::frame_header_size) {
      const auto header = df::net::decode_frame_header(std::string_view(h.in).substr(at, df::net::frame_header_size));
      if (!header) throw std::runtime_error("scheduler sent a bad frame");
      if (h.in.size() - at - df::net::frame_header_size < header->length) break;
      const auto m = proto::decode(std::string_view(h.in).substr(at + df::net::frame_header_size, header->length));
      at += df::net::frame_header_size + header->length;
      if (!m) throw std::runtime_error("scheduler sent a message that does not decode");
      on_message(i, *m);
    }
    h.in.erase(0, at);
    flush(h);
    if (!h.out.empty()) backlog_.insert(i);
  }

  void on_message(std::uint32_t i, const proto::message& m) {
    sim_host& h = hosts_[i];
    if (const auto* s = std::get_if<proto::seed_task>(&m)) {  // the seed holds it already
      ++stats_.seed_tasks;
      const std::string peer = "seedpeer-" + s->task_id.substr(0, 16);
      queue(h, proto::register_peer{s->task_id, peer, s->url, {}, "", "", {}, false, true, ""});
      queue(h, proto::task_meta{s->task_id, peer, static_cast<std::int64_t>(pieces_) << 20, 1u << 20});
      for (std::uint32_t p = 0; p < pieces_; ++p)
        queue(h, proto::piece_done{s->task_id, peer, p, df::sha256_hex(fmt::format("{}:{}", s->task_id, p))});
      queue(h, proto::peer_done{s->task_id, peer});
    } else if (const auto* p = std::get_if<proto::parents>(&m)) {
      ++stats_.parents_messages;
      const auto it = stats_.registered_at.find(p->peer_id);
      if (it == stats_.registered_at.end()) return;  // not the first decision for this peer
      stats_.latencies_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - it->second).count());
      stats_.registered_at.erase(it);
      // The peer fetches and reports a few pieces, as a real one would.
      for (std::uint32_t k = 0; k < std::min<std::uint32_t>(pieces_, 4); ++k)
        queue(h, proto::piece_done{p->task_id, p->peer_id, (k * 7 + i) % pieces_, ""});
    } else if (std::holds_alternative<proto::have>(m)) {
      ++stats_.have_messages;
    }
  }

  int epoll_ = -1;
  std::uint32_t pieces_;
  std::vector<sim_host> hosts_;
  std::set<std::uint32_t> backlog_;  // hosts with output still to send
  load_stats stats_;
};

long rss_kib(pid_t pid, const std::string& field) {
  std::ifstream f(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Drives dfscheduler with simulated daemons and measures its decisions"};
  std::string scheduler = "build/apps/dfscheduler";
  std::uint32_t tasks = 1, per_task = 10000, hosts = 0, pieces = 64, rate = 2000;
  std::string log_level = "warn";
  app.add_option("--scheduler", scheduler, "dfscheduler binary")->capture_default_str();
  app.add_option("--tasks", tasks, "tasks")->capture_default_str();
  app.add_option("--peers-per-task", per_task, "peers in each task")->capture_default_str();
  app.add_option("--hosts", hosts, "simulated hosts (default: one per peer of a task)");
  app.add_option("--pieces", pieces, "pieces per task (1 MiB each)")->capture_default_str();
  app.add_option("--rate", rate, "peer registrations per second")->capture_default_str();
  app.add_option("--log-level", log_level, "dfscheduler's log level (debug shows every parent set)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (hosts == 0) hosts = per_task;
  if (hosts < per_task) {
    fmt::print(stderr, "scheduler_load: --hosts must be at least --peers-per-task (one peer per host per task)\n");
    return 2;
  }

  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  ::signal(SIGPIPE, SIG_IGN);

  const std::uint16_t port = free_port();
  // Every simulated host connects from 127.0.0.1 at once: lift the per-address limit on
  // connections that have not said hello yet.
  const std::string config_path = fmt::format("/tmp/scheduler_load-{}.yaml", ::getpid());
  std::ofstream(config_path) << "limits:\n  max_unidentified_per_ip: 1000000\n  max_connections: 1000000\n"
                             << "scheduling:\n  max_peers_per_host: 1000000\n";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the benchmark
    const std::string p = std::to_string(port);
    ::execl(scheduler.c_str(), scheduler.c_str(), "-c", config_path.c_str(), "--listen", "127.0.0.1", "--port", p.c_str(), "--metrics-port",
            "0", "--log-level", log_level.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  for (int i = 0; i < 100; ++i) {  // wait for the scheduler to listen
    const int s = connect_to(port);
    if (s >= 0) {
      ::close(s);
      break;
    }
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      fmt::print(stderr, "scheduler_load: {} did not start\n", scheduler);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const long idle_rss = rss_kib(pid, "VmRSS");

  int rc = 0;
  try {
    load_driver driver(port, hosts, pieces);
    const std::uint64_t total = std::uint64_t{tasks} * per_task;
    const auto start = clock_type::now();
    std::uint64_t sent = 0;
    std::size_t last_waiting = 0;
    auto last_progress = clock_type::now();
    while (sent < total || !driver.stats().registered_at.empty()) {
      const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
      const auto due = std::min<std::uint64_t>(total, static_cast<std::uint64_t>(elapsed * rate) + 1);
      for (; sent < due; ++sent) {  // peer j of task t lives on host (t + j) % hosts + 1
        const auto t = static_cast<std::uint32_t>(sent % tasks);
        const auto j = static_cast<std::uint32_t>(sent / tasks);
        driver.register_peer((t + j) % hosts + 1, t, fmt::format("p{}-{}", t, j));
      }
      driver.pump(std::chrono::milliseconds(1));
      const auto waiting = driver.stats().registered_at.size();
      if (waiting != last_waiting || sent < total) {
        last_waiting = waiting;
        last_progress = clock_type::now();
      } else if (clock_type::now() - last_progress > std::chrono::seconds(15)) {
        throw std::runtime_error(fmt::format("no progress for 15 s: {} peers never got parents, e.g. {} ({} seed "
                                             "requests answered)", waiting,
                                             driver.stats().registered_at.begin()->first, driver.stats().seed_tasks));
      }
    }
    for (int i = 0; i < 200; ++i) driver.pump(std::chrono::milliseconds(5));  // drain the have traffic
    const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    const auto& s = driver.stats();
    fmt::print("peers {} ({} tasks x {}), hosts {}, {} pieces each, registrations at {}/s\n", total, tasks, per_task,
               hosts, pieces, rate);
    fmt::print("decisions: {} parents messages in {:.1f} s = {:.0f}/s; {} have messages\n", s.parents_messages,
               seconds, static_cast<double>(s.parents_messages) / seconds, s.have_messages);
    fmt::print("register -> first parents: p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms (goal p99 < 5 ms)\n",
               percentile(s.latencies_ms, 0.5), percentile(s.latencies_ms, 0.99), percentile(s.latencies_ms, 1.0));
    fmt::print("dfscheduler RSS: idle {} MiB, now {} MiB, peak {} MiB (goal < 1024 MiB)\n", idle_rss / 1024,
               rss_kib(pid, "VmRSS") / 1024, rss_kib(pid, "VmHWM") / 1024);
  } catch (const std::exception& e) {
    fmt::print(stderr, "scheduler_load: {}\n", e.what());
    rc = 1;
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, &status, 0);
  return rc;
}
