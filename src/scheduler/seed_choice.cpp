#include "scheduler/seed_choice.hpp"

#include <tuple>

namespace df::scheduler {

namespace {

// FNV-1a over the bytes, then splitmix64's finalizer so that similar inputs (host IDs that differ
// in one character) get unrelated weights.
std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
  for (const unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t rendezvous_weight(std::string_view task_id, std::string_view host_id) {
  std::uint64_t h = fnv1a(0xcbf29ce484222325ULL, task_id);
  h = fnv1a(h, "\n");  // a separator no ID contains: ("ab","c") and ("a","bc") differ
  return mix(fnv1a(h, host_id));
}

std::optional<seed_pick> choose_seed(std::string_view task_id, const std::string& requester_idc,
                                     const std::vector<seed_candidate>& seeds, std::uint32_t max_tasks) {
  // Each seed's rank as a tuple; the greatest wins. Ties in the weight are practically
  // impossible; the host ID makes even those deterministic.
  const auto rank = [&](const seed_candidate& s) {
    const bool local = !requester_idc.empty() && s.idc == requester_idc;
    const bool room = s.sourcing < max_tasks;
    // With room: local first, then by weight. Without room anywhere: least loaded, then local.
    const std::uint32_t free_slots = room ? 0 : ~s.sourcing;
    return std::tuple{room, room && local, free_slots, local, rendezvous_weight(task_id, s.host_id),
                      std::string_view(s.host_id)};
  };
  const seed_candidate* best = nullptr;
  for (const auto& s : seeds)
    if (!best || rank(*best) < rank(s)) best = &s;
  if (!best) return std::nullopt;
  return seed_pick{best->host_id, !requester_idc.empty() && best->idc != requester_idc};
}

}  // namespace df::scheduler
