#include "net/metrics.hpp"

#include <fmt/format.h>

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

std::string metrics_registry::render() const {
  std::string out;
  std::set<std::string> described;
  for (const auto& e : entries_) {
    if (described.insert(e.name).second) out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", e.name, e.help, e.name, e.type);
    out += e.labels.empty() ? fmt::format("{} {}\n", e.name, e.value.value())
                            : fmt::format("{}{{{}}} {}\n", e.name, e.labels, e.value.value());
  }
  return out;
}

}  // namespace df::net
