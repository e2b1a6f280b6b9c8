#pragma once
// Counters and gauges exported as Prometheus text at /metrics.

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>

namespace df::net {

/// One exported number; components keep references to the ones they update.
class metric {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::uint64_t v) { value_.store(v, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// Every metric of one process with its name, help text and labels; owned by the component's
/// top-level object, alive as long as the process.
class metrics_registry {
 public:
  /// A monotonically increasing counter; `labels` is Prometheus label text like `source="peer"`.
  metric& counter(const std::string& name, const std::string& help, const std::string& labels = "");
  /// A value that goes up and down.
  metric& gauge(const std::string& name, const std::string& help, const std::string& labels = "");
  /// The Prometheus text exposition of every metric.
  std::string render() const;

 private:
  struct entry {
    std::string name, help, labels, type;
    metric value;
  };
  metric& add(const std::string& name, const std::string& help, const std::string& labels, const char* type);
  std::deque<entry> entries_;
};

}  // namespace df::net
