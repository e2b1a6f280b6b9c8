#include "net/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace df::net {

metric& metrics_registry::add(const std::string& name, const std::string& help, const std::string& labels,
                              const char* type) {
  auto& e = entries_.emplace_back();
  e.name = name;
  e.help = help;
  e.labels = labels;
  e.type = type;
  return e.value;
}

metric& metrics_registry::counter(const std::string& name, const std::string& help, const std::string& labels) {
  return add(name, help, labels, "counter");
}

metric& metrics_registry::gauge(const std::string& name, const std::string& help, const std::string& labels) {
  return add(name, help, labels, "gauge");
}

histogram::histogram(std::span<const double> bounds) {
  bounds_count_ = std::min(bounds.size(), max_buckets);
  std::copy_n(bounds.begin(), bounds_count_, bounds_.begin());
}

void histogram::observe(std::chrono::nanoseconds d) {
  const auto ns = std::max<std::int64_t>(d.count(), 0);
  const double seconds = static_cast<double>(ns) / 1e9;
  const double* first = bounds_.data();
  const auto i = static_cast<std::size_t>(std::lower_bound(first, first + bounds_count_, seconds) - first);
  if (i < bounds_count_) buckets_[i].fetch_add(1, std::memory_order_relaxed);  // beyond the last: +Inf only
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

void histogram::observe_seconds(double seconds) {
  observe(std::chrono::nanoseconds(static_cast<std::int64_t>(std::clamp(seconds, 0.0, 1e9) * 1e9)));
}

histogram& metrics_registry::add_histogram(const std::string& name, const std::string& help,
                                           std::span<const double> bounds, const std::string& labels) {
  return histograms_.emplace_back(name, help, labels, bounds).value;
}

std::string metrics_registry::render() const {
  std::string out;
  std::set<std::string> described;
  for (const auto& e : entries_) {
    if (described.insert(e.name).second) out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", e.name, e.help, e.name, e.type);
    out += e.labels.empty() ? fmt::format("{} {}\n", e.name, e.value.value())
                            : fmt::format("{}{{{}}} {}\n", e.name, e.labels, e.value.value());
  }
  for (const auto& e : histograms_) {
    if (described.insert(e.name).second) out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", e.name, e.help, e.name);
    const std::string sep = e.labels.empty() ? "" : ",";
    const auto& h = e.value;
    // Read the count first: buckets observed after it can only make the +Inf bucket look small,
    // never make a lower bucket exceed it.
    const auto count = h.count();
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.bucket_count(); ++i) {
      cumulative += h.in_bucket(i);
      out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", e.name, e.labels, sep, h.bound(i), std::min(cumulative, count));
    }
    out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", e.name, e.labels, sep, count);
    const auto labels = e.labels.empty() ? std::string() : "{" + e.labels + "}";
    out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", e.name, labels, h.sum_seconds(), e.name, labels, count);
  }
  return out;
}

}  // namespace df::net
