#pragma once
// What dfdaemon and dfscheduler read from dfmanager's answers, as pure functions over JSON text:
// the cluster a host is given, a registration, a keepalive, and what a cluster config changes
// (docs/manager.md). No I/O; the client is net/json_client.

#include "core/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace df::net::manager {

/// Tasks a cluster refuses: by application, by URL (ECMAScript regexes searched in the URL), by tag.
struct blocklist {
  std::vector<std::string> applications, urls, tags;
  bool operator==(const blocklist&) const = default;
};

/// A scheduler cluster's config as components apply it (the manager's `config` object).
struct cluster_config {
  std::uint32_t candidate_parent_limit = 4;    // schedulers: parents per peer
  std::uint32_t filter_parent_limit = 15;      // schedulers: candidates sampled per choice
  std::uint64_t peer_upload_rate_limit = 0;    // daemons: bytes/s uploaded; 0 = unlimited
  std::uint64_t peer_download_rate_limit = 0;  // daemons: bytes/s downloaded; 0 = unlimited
  struct blocklist blocklist;
  bool operator==(const cluster_config&) const = default;
};

/// What `POST /api/v1/hosts` gives a daemon: its cluster, the cluster's config and its active
/// schedulers as normalised, sorted, distinct "ip:port" addresses.
struct host_answer {
  std::int64_t cluster_id = 0;
  std::int64_t seed_peer_cluster_id = 0;  // its paired seed-peer cluster (0 when not given)
  std::string cluster_name;
  cluster_config config;
  std::vector<std::string> schedulers;
  bool operator==(const host_answer&) const = default;
};

/// What registering (`POST /api/v1/schedulers` or `/seed-peers`) answers.
struct registration {
  std::int64_t id = 0;
  std::chrono::milliseconds keepalive_interval{5000};
};

/// Bounds on what an answer may hold (it is at most 1 MiB already).
inline constexpr std::size_t max_schedulers = 1024;
inline constexpr std::size_t max_list_entries = 1024;  // each blocklist list
inline constexpr std::size_t max_field = 4096;         // each string

/// Parses a host announcement's answer; errc::malformed_message (with `why` naming the field)
/// for anything else, including a scheduler whose address is not ip:port.
result<host_answer> parse_host_answer(std::string_view text, std::string& why);
/// Parses a registration answer (`id`, `keepalive_interval_ms`).
result<registration> parse_registration(std::string_view text, std::string& why);
/// Parses a scheduler keepalive answer: its cluster's config (`config`); errc::not_found when the
/// manager sent none (an older manager).
result<cluster_config> parse_keepalive_config(std::string_view text, std::string& why);
/// Parses a cluster `config` object as JSON text (as in the answers above).
result<cluster_config> parse_cluster_config(std::string_view text, std::string& why);

/// Splits "host:port" / "[v6]:port"; false when the port is missing, zero or out of range.
bool split_host_port(std::string_view address, std::string& host, std::uint16_t& port);
/// One spelling per scheduler address, so the same scheduler is one ring member: the host part
/// lower-cased without a trailing dot, "localhost" as 127.0.0.1, IP literals in their canonical
/// form (IPv4-mapped IPv6 as IPv4, IPv6 in brackets), the port without leading zeros. Other
/// host names are not resolved (every daemon must agree without asking its own DNS). "" when the
/// address is not host:port.
std::string normalize_address(std::string_view address);
/// normalize_address over a list, dropping repeats and invalid entries, keeping the first order.
std::vector<std::string> normalize_addresses(const std::vector<std::string>& addresses);

/// One line per setting that differs ("peer_upload_rate_limit 0 → 1048576"); empty when equal.
std::vector<std::string> describe_changes(const cluster_config& before, const cluster_config& after);

/// A compiled blocklist: answers whether a task request is refused, and why. Immutable.
class blocklist_matcher {
 public:
  blocklist_matcher();
  /// URL patterns that do not compile are left out (the manager checks them when stored);
  /// invalid_patterns() counts them.
  explicit blocklist_matcher(const blocklist& list);
  ~blocklist_matcher();
  blocklist_matcher(blocklist_matcher&&) noexcept;
  blocklist_matcher& operator=(blocklist_matcher&&) noexcept;

  /// Why this request is refused ("application 'x' is blocklisted"), or "" when it is not.
  std::string refusal(std::string_view url, std::string_view tag, std::string_view application) const;
  std::size_t invalid_patterns() const { return invalid_; }
  bool empty() const;

 private:
  struct compiled;
  blocklist list_;
  std::unique_ptr<compiled> compiled_;
  std::size_t invalid_ = 0;
};

}  // namespace df::net::manager
