#include "daemon/config.hpp"

#include "core/yaml_config.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

namespace df::daemon {
namespace {

std::string first_ipv4() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "127.0.0.1";
  std::string found = "127.0.0.1";
  for (auto* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    if (std::string_view(text).starts_with("127.")) continue;
    found = text;
    break;
  }
  ::freeifaddrs(list);
  return found;
}

}  // namespace

config config::load(const std::string& path) {
  config c;
  const YAML::Node root = load_yaml_file(path);
  read_value(root, "data_dir", c.data_dir);
  read_value(root, "log_level", c.log_level);
  read_value(root, "seed_peer", c.seed_peer);
  const auto host = root["host"];
  read_value(host, "hostname", c.host.hostname);
  read_value(host, "ip", c.host.ip);
  read_value(host, "idc", c.host.idc);
  read_value(host, "location", c.host.location);
  const auto sched = root["scheduler"];
  read_value(sched, "addresses", c.scheduler.addresses);
  read_duration(sched, "keepalive_interval", c.scheduler.keepalive_interval);
  read_duration(sched, "connect_timeout", c.scheduler.connect_timeout);
  const auto dl = root["download"];
  read_size(dl, "rate_limit", c.download.rate_limit);
  read_size(dl, "piece_size", c.download.piece_size);
  read_value(dl, "concurrent_pieces", c.download.concurrent_pieces);
  read_value(dl, "per_parent_pieces", c.download.per_parent_pieces);
  read_duration(dl, "piece_timeout", c.download.piece_timeout);
  read_duration(dl, "origin_timeout", c.download.origin_timeout);
  read_value(dl, "disable_back_to_source", c.download.disable_back_to_source);
  const auto up = root["upload"];
  read_value(up, "listen", c.upload.listen);
  read_value(up, "port", c.upload.port);
  read_size(up, "rate_limit", c.upload.rate_limit);
  read_value(root["seed"], "revalidate", c.seed.revalidate);
  read_duration(root["seed"], "max_age", c.seed.max_age);
  const auto gc = root["gc"];
  read_duration(gc, "interval", c.gc.interval);
  read_duration(gc, "task_ttl", c.gc.task_ttl);
  read_size(gc, "quota", c.gc.quota);
  read_value(gc, "high_watermark", c.gc.high_watermark);
  read_value(gc, "low_watermark", c.gc.low_watermark);
  read_value(root["local_api"], "socket", c.local_api.socket);
  return c;
}

void config::resolve_defaults() {
  if (host.hostname.empty()) {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    host.hostname = name;
  }
  if (host.ip.empty()) host.ip = first_ipv4();
  if (local_api.socket.empty())
    local_api.socket = ::geteuid() == 0 ? "/var/run/dragonfly/dfdaemon.sock" : data_dir + "/dfdaemon.sock";
}

void config::validate() const {
  if (data_dir.empty()) throw config_error("data_dir must not be empty");
  if (scheduler.addresses.empty() && !seed_peer)
    throw config_error("scheduler.addresses must list at least one host:port");
  for (const auto& a : scheduler.addresses)
    if (a.rfind(':') == std::string::npos) throw config_error("scheduler address '" + a + "' must be host:port");
  if (download.concurrent_pieces == 0 || download.per_parent_pieces == 0)
    throw config_error("download.concurrent_pieces and download.per_parent_pieces must be at least 1");
  if (seed.revalidate != "always" && seed.revalidate != "max_age" && seed.revalidate != "never")
    throw config_error("seed.revalidate must be always, max_age or never (got '" + seed.revalidate + "')");
  if (gc.interval < std::chrono::milliseconds(100)) throw config_error("gc.interval must be at least 100ms");
  if (!(gc.low_watermark > 0 && gc.low_watermark <= gc.high_watermark && gc.high_watermark <= 1))
    throw config_error("gc watermarks must satisfy 0 < low_watermark <= high_watermark <= 1");
  if (download.piece_size != 0 && (download.piece_size < 64 * 1024 || download.piece_size > (256u << 20)))
    throw config_error("download.piece_size must be between 64KiB and 256MiB (or 0 for automatic)");
}

std::string config::to_yaml() const {
  return fmt::format(
      "data_dir: {}\nlog_level: {}\nseed_peer: {}\nhost:\n  hostname: {}\n  ip: {}\n  idc: \"{}\"\n"
      "  location: \"{}\"\nscheduler:\n  addresses: [{}]\n  keepalive_interval: {}ms\n  connect_timeout: {}ms\n"
      "download:\n  rate_limit: {}\n  piece_size: {}\n  concurrent_pieces: {}\n  per_parent_pieces: {}\n"
      "  piece_timeout: {}ms\n  origin_timeout: {}ms\n  disable_back_to_source: {}\n"
      "upload:\n  listen: {}\n  port: {}\n  rate_limit: {}\n"
      "seed:\n  revalidate: {}\n  max_age: {}ms\n"
      "gc:\n  interval: {}ms\n  task_ttl: {}ms\n  quota: {}\n  high_watermark: {}\n  low_watermark: {}\n"
      "local_api:\n  socket: {}\n",
      data_dir, log_level, seed_peer, host.hostname, host.ip, host.idc, host.location,
      fmt::join(scheduler.addresses, ", "), scheduler.keepalive_interval.count(), scheduler.connect_timeout.count(),
      download.rate_limit, download.piece_size, download.concurrent_pieces, download.per_parent_pieces,
      download.piece_timeout.count(), download.origin_timeout.count(), download.disable_back_to_source,
      upload.listen, upload.port, upload.rate_limit, seed.revalidate, seed.max_age.count(), gc.interval.count(), gc.task_ttl.count(), gc.quota,
      gc.high_watermark, gc.low_watermark, local_api.socket);
}

}  // namespace df::daemon
