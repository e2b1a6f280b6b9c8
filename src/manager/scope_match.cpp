#include "manager/scope_match.hpp"

#include "core/text_split.hpp"
#include "manager/cidr.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace df::manager {

namespace {

bool idc_matches(const std::string& scope, const std::string& idc) {
  if (scope.empty() || idc.empty()) return false;
  const auto idcs = split_view(scope, '|');
  return std::find(idcs.begin(), idcs.end(), std::string_view(idc)) != idcs.end();
}

// The location weight times the share of the scope's path that the host's path starts with:
// scope "cn|hangzhou", host "cn|hangzhou|rack12" → all of it; host "cn|beijing" → half; "us" → 0.
unsigned location_points(const std::string& scope, const std::string& location) {
  if (scope.empty() || location.empty()) return 0;
  const auto want = split_view(scope, '|');
  const auto have = split_view(location, '|');
  std::size_t same = 0;
  while (same < want.size() && same < have.size() && want[same] == have[same]) ++same;
  return static_cast<unsigned>(scope_weights::location * same / want.size());
}

bool hostname_matches(const std::vector<std::string>& patterns, const std::string& hostname) {
  if (hostname.empty()) return false;
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return glob_match(p, hostname); });
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  const auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  // Greedy with one backtrack point (the last '*'): O(pattern × text) at worst, no recursion.
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] != '*' && same(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

cluster_rank score_cluster(const host_facts& host, const scheduler_cluster& cluster) {
  cluster_rank r{cluster.id, 0, 0};
  const auto& s = cluster.scopes;
  if (const auto ip = parse_ip(host.ip)) {
    bool matched = false;
    for (const auto& text : s.cidrs) {
      const auto net = parse_cidr(text);
      if (!net || !net->contains(*ip)) continue;
      matched = true;
      r.cidr_prefix = std::max(r.cidr_prefix, net->prefix);
    }
    if (matched) r.score += scope_weights::cidr;
  }
  if (hostname_matches(s.hostnames, host.hostname)) r.score += scope_weights::hostname;
  if (idc_matches(s.idc, host.idc)) r.score += scope_weights::idc;
  r.score += location_points(s.location, host.location);
  if (cluster.is_default) r.score += scope_weights::is_default;
  return r;
}

std::vector<cluster_rank> rank_clusters(const host_facts& host, const std::vector<scheduler_cluster>& clusters) {
  std::vector<cluster_rank> ranks;
  for (const auto& c : clusters) {
    const auto r = score_cluster(host, c);
    if (r.score > 0) ranks.push_back(r);
  }
  std::sort(ranks.begin(), ranks.end(), [](const cluster_rank& a, const cluster_rank& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.cidr_prefix != b.cidr_prefix) return a.cidr_prefix > b.cidr_prefix;
    return a.cluster_id < b.cluster_id;
  });
  return ranks;
}

}  // namespace df::manager
