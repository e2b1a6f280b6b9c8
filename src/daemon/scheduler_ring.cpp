#include "daemon/scheduler_ring.hpp"

#include "core/digest.hpp"

#include <algorithm>
#include <cassert>

namespace df::daemon {

namespace {

/// The first 8 bytes of sha256(text), big-endian: a uniform 64-bit position.
std::uint64_t position(std::string_view text) {
  const std::string hex = sha256_hex(text);
  return std::stoull(hex.substr(0, 16), nullptr, 16);
}

}  // namespace

scheduler_ring::scheduler_ring(const std::vector<std::string>& addresses, std::size_t virtual_nodes) {
  for (const auto& a : addresses)
    if (std::find(members_.begin(), members_.end(), a) == members_.end()) members_.push_back(a);
  points_.reserve(members_.size() * virtual_nodes);
  for (std::size_t m = 0; m < members_.size(); ++m)
    for (std::size_t v = 0; v < virtual_nodes; ++v)
      points_.emplace_back(position(members_[m] + "#" + std::to_string(v)), m);
  // Ties (vanishingly rare) are broken by address, not by configured order, so every daemon agrees.
  std::sort(points_.begin(), points_.end(), [this](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : members_[a.second] < members_[b.second];
  });
}

std::vector<std::size_t> scheduler_ring::preference(std::string_view key) const {
  std::vector<std::size_t> order;
  if (points_.empty()) return order;
  const std::size_t first = first_point(key);
  for (std::size_t i = 0; i < points_.size() && order.size() < members_.size(); ++i) {
    const std::size_t m = points_[(first + i) % points_.size()].second;
    if (std::find(order.begin(), order.end(), m) == order.end()) order.push_back(m);
  }
  return order;
}

std::size_t scheduler_ring::owner(std::string_view key) const {
  assert(!points_.empty());
  return points_[first_point(key) % points_.size()].second;
}

std::optional<std::size_t> scheduler_ring::live_owner(std::string_view key, const std::vector<link>& links) const {
  if (members_.size() == 1) return links.at(0) == link::up ? std::optional<std::size_t>(0) : std::nullopt;
  for (const std::size_t m : preference(key)) {
    if (links.at(m) == link::up) return m;
    if (links.at(m) == link::untried) return std::nullopt;
  }
  return std::nullopt;
}

std::size_t scheduler_ring::first_point(std::string_view key) const {
  const auto at = std::lower_bound(points_.begin(), points_.end(), position(key),
                                   [](const auto& p, std::uint64_t k) { return p.first < k; });
  return static_cast<std::size_t>(at - points_.begin());  // == size(): wraps to the first point
}

}  // namespace df::daemon
