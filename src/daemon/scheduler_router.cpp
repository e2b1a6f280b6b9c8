#include "daemon/scheduler_router.hpp"

#include "daemon/scheduler_client.hpp"
#include "net/metrics.hpp"

#include <spdlog/spdlog.h>

#include <fmt/ranges.h>

#include <algorithm>

namespace df::daemon {

namespace proto = net::proto;

namespace {

/// The task a message is about, or nullptr (hello, keepalive).
const std::string* task_of(const proto::message& m) {
  return std::visit(
      [](const auto& v) -> const std::string* {
        if constexpr (requires { v.task_id; }) return &v.task_id;
        else return nullptr;
      },
      m);
}

}  // namespace

scheduler_router::scheduler_router(net::asio::any_io_executor ex, const std::vector<std::string>& addresses,
                                   proto::host_info host, std::chrono::milliseconds keepalive_interval,
                                   net::metric& connected, net::metric& moved, net::metric& members)
    : ring_(addresses),
      ex_(ex),
      host_(std::move(host)),
      keepalive_interval_(keepalive_interval),
      state_changed_(ex),
      connected_gauge_(connected),
      moved_(moved),
      members_(members) {
  for (std::size_t i = 0; i < ring_.members().size(); ++i) {
    clients_.push_back(make_client(ring_.members()[i]));
    bind(i);
  }
  links_.assign(clients_.size(), link::untried);
  logs_.resize(clients_.size());
  members_.set(clients_.size());
}

scheduler_router::~scheduler_router() { stop(); }

std::shared_ptr<scheduler_client> scheduler_router::make_client(const std::string& address) {
  auto client = std::make_shared<scheduler_client>(ex_, std::vector<std::string>{address}, host_, keepalive_interval_);
  client->set_tls(tls_);
  return client;
}

void scheduler_router::bind(std::size_t i) {
  clients_[i]->on_message([this, i](const proto::message& m) { message_from(i, m); });
  clients_[i]->on_state([this, i](bool up) { state_changed(i, up); });
}

void scheduler_router::set_host(const proto::host_info& host) {
  host_ = host;
  for (auto& c : clients_) c->set_host(host);
}

void scheduler_router::set_tls(const std::shared_ptr<net::tls_identity>& tls) {
  tls_ = tls;
  for (auto& c : clients_) c->set_tls(tls);
}

void scheduler_router::start() {
  started_ = true;
  for (auto& c : clients_) c->start();
}

bool scheduler_router::set_addresses(const std::vector<std::string>& addresses) {
  scheduler_ring next(addresses);
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  if (sorted(next.members()) == sorted(ring_.members())) return false;
  // Old member index → new one (nullopt: removed); kept clients keep their connection and state.
  std::vector<std::optional<std::size_t>> moved_to(clients_.size());
  std::vector<std::shared_ptr<scheduler_client>> clients(next.members().size());
  std::vector<link> links(next.members().size(), link::untried);
  std::vector<change_log> logs(next.members().size());
  std::size_t added = 0, removed = 0;
  for (std::size_t old = 0; old < ring_.members().size(); ++old) {
    const auto& members = next.members();
    const auto at = std::find(members.begin(), members.end(), ring_.members()[old]);
    if (at == members.end()) {
      clients_[old]->on_message(nullptr);
      clients_[old]->on_state(nullptr);
      clients_[old]->stop();
      ++removed;
      continue;
    }
    const auto index = static_cast<std::size_t>(at - members.begin());
    moved_to[old] = index;
    clients[index] = std::move(clients_[old]);
    links[index] = links_[old];
    logs[index] = logs_[old];
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    if (clients[i]) continue;
    clients[i] = make_client(next.members()[i]);
    if (started_) clients[i]->start();
    ++added;
  }
  for (auto& [task, where] : placed_)
    if (where) where = moved_to[*where];
  ring_ = std::move(next);
  clients_ = std::move(clients);
  links_ = std::move(links);
  logs_ = std::move(logs);
  for (std::size_t i = 0; i < clients_.size(); ++i) bind(i);
  connected_gauge_.set(connected_count());
  members_.set(clients_.size());
  spdlog::info("schedulers: the ring is now {} ({} added, {} removed)", fmt::join(ring_.members(), ", "), added,
               removed);
  state_changed_.notify_all();
  moved_in_change_ = 0;
  if (on_change_) on_change_();
  return true;
}

void scheduler_router::stop() {
  for (auto& c : clients_) {
    c->on_message(nullptr);  // the clients' loops may outlive this object by a turn
    c->on_state(nullptr);
    c->stop();
  }
  state_changed_.notify_all();
}

std::size_t scheduler_router::connected_count() const {
  return static_cast<std::size_t>(std::count(links_.begin(), links_.end(), link::up));
}

std::optional<std::size_t> scheduler_router::owner(const std::string& task_id) const {
  if (clients_.empty()) return std::nullopt;
  return ring_.live_owner(task_id, links_);
}

net::awaitable<bool> scheduler_router::wait_connected(const std::string& task_id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!connected(task_id)) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    co_await state_changed_.wait_for(left);
  }
  co_return connected(task_id);
}

bool scheduler_router::send(const proto::message& m) {
  const std::string* task = task_of(m);
  if (!task) return false;
  const auto to = owner(*task);
  if (!to || !clients_[*to]->send(m)) return false;
  placed_[*task] = to;
  return true;
}

bool scheduler_router::reassign(const std::string& task_id) {
  const auto now = owner(task_id);
  auto [it, fresh] = placed_.try_emplace(task_id, std::nullopt);
  const auto was = it->second;
  if (!fresh && was == now) return false;
  it->second = now;
  if (was && now) {
    moved_.add();
    ++moved_in_change_;
  }
  return fresh ? now.has_value() : true;
}

void scheduler_router::state_changed(std::size_t member, bool up) {
  const link next = up ? link::up : link::down;
  if (links_[member] == next) return;
  const bool was_untried = links_[member] == link::untried;
  links_[member] = next;
  connected_gauge_.set(connected_count());
  state_changed_.notify_all();
  moved_in_change_ = 0;
  if (on_change_) on_change_();  // the caller reassign()s its tasks
  // One line per change, and for a scheduler that keeps flapping at most one per 10 s (with how
  // many changes went unsaid). The first attempt at start-up is logged by the client alone.
  if (clients_.size() < 2 || was_untried) return;
  auto& said = logs_[member];
  const auto now = std::chrono::steady_clock::now();
  if (said.last && now - *said.last < std::chrono::seconds(10)) {
    ++said.unlogged;
    return;
  }
  spdlog::info("scheduler {} {} ({} of {} connected): {} tasks moved to {} scheduler on the ring{}",
               ring_.members()[member], up ? "back" : "lost", connected_count(), clients_.size(), moved_in_change_,
               up ? "it from the next" : "the next",
               said.unlogged ? fmt::format(" ({} earlier changes not logged)", said.unlogged) : "");
  said = {now, 0};
}

void scheduler_router::message_from(std::size_t member, const proto::message& m) {
  // A scheduler speaks for the tasks it owns; anything may ask us to seed (any scheduler can
  // trigger this host for a task new to it).
  if (std::holds_alternative<proto::preheat>(m) || std::holds_alternative<proto::delete_task>(m)) {
    std::weak_ptr<scheduler_client> client = clients_[member];
    if (on_job_) on_job_(m, [client](const proto::message& answer) {
      const auto c = client.lock();
      return c && c->send(answer);
    });
    return;
  }
  if (!std::holds_alternative<proto::seed_task>(m)) {
    const std::string* task = task_of(m);
    if (task && owner(*task) != member) {
      spdlog::debug("task {}: message from scheduler {}, which does not own it here; ignored", *task,
                    ring_.members()[member]);
      return;
    }
  }
  if (on_message_) on_message_(m);
}

}  // namespace df::daemon
