#pragma once
// Counters, gauges and histograms exported as Prometheus text at /metrics.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <utility>

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

/// A distribution of durations in fixed buckets (Prometheus `le` upper bounds, in seconds), for
/// percentiles an operator can query (histogram_quantile). Lock-free; any thread may observe.
class histogram {
 public:
  static constexpr std::size_t max_buckets = 16;
  /// Bounds for latencies from 1 ms to 60 s: decisions, pieces, requests.
  static constexpr std::array<double, 13> latency_bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                         0.25,  0.5,    1,     2.5,  10,    60};
  /// Bounds for whole downloads from 10 ms to an hour.
  static constexpr std::array<double, 12> task_bounds{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30, 120, 600, 3600};

  /// `bounds` ascending, at most max_buckets of them (more are ignored); +Inf is implicit.
  explicit histogram(std::span<const double> bounds);
  void observe(std::chrono::nanoseconds d);
  void observe_seconds(double seconds);

  std::size_t bucket_count() const { return bounds_count_; }
  double bound(std::size_t i) const { return bounds_[i]; }
  /// Observations at or under bound(i) (not cumulative).
  std::uint64_t in_bucket(std::size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum_seconds() const { return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9; }

 private:
  std::array<double, max_buckets> bounds_{};
  std::size_t bounds_count_ = 0;
  std::array<std::atomic<std::uint64_t>, max_buckets> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

/// Every metric of one process with its name, help text and labels; owned by the component's
/// top-level object, alive as long as the process.
class metrics_registry {
 public:
  /// A monotonically increasing counter; `labels` is Prometheus label text like `source="peer"`.
  metric& counter(const std::string& name, const std::string& help, const std::string& labels = "");
  /// A value that goes up and down.
  metric& gauge(const std::string& name, const std::string& help, const std::string& labels = "");
  /// A histogram of durations (name ending in `_seconds`), with `bounds` as its buckets.
  histogram& add_histogram(const std::string& name, const std::string& help, std::span<const double> bounds,
                           const std::string& labels = "");
  /// The Prometheus text exposition of every metric.
  std::string render() const;

 private:
  struct entry {
    std::string name, help, labels, type;
    metric value;
  };
  struct histogram_entry {
    histogram_entry(std::string n, std::string h, std::string l, std::span<const double> bounds)
        : name(std::move(n)), help(std::move(h)), labels(std::move(l)), value(bounds) {}
    std::string name, help, labels;
    histogram value;
  };
  metric& add(const std::string& name, const std::string& help, const std::string& labels, const char* type);
  std::deque<entry> entries_;
  std::deque<histogram_entry> histograms_;
};

}  // namespace df::net
