#pragma once
// Which scheduler cluster a host belongs to: a pure ranking of clusters by how well the host
// matches their scopes. The weights are explained in docs/manager.md ("Scope matching").

#include "manager/model.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace df::manager {

/// What a host says about itself that scopes are matched against.
struct host_facts {
  std::string hostname;
  std::string ip;
  std::string idc;
  std::string location;  // "|"-separated path, e.g. "cn|hangzhou|rack12"
};

/// How much each kind of match adds to a cluster's score, in ten-thousandths (they sum to 10000,
/// i.e. 0.30 + 0.30 + 0.25 + 0.14 + 0.01; integers, so equal scores compare equal everywhere).
struct scope_weights {
  static constexpr unsigned cidr = 3000;
  static constexpr unsigned hostname = 3000;
  static constexpr unsigned idc = 2500;
  static constexpr unsigned location = 1400;  // times the share of the scope's path the host shares
  static constexpr unsigned is_default = 100;
};

/// One cluster's score for one host.
struct cluster_rank {
  std::int64_t cluster_id = 0;
  unsigned score = 0;  // ten-thousandths, see scope_weights
  unsigned cidr_prefix = 0;  // the longest matching CIDR's prefix (breaks ties: more specific first)
};

/// Whether `text` matches the glob `pattern` as a whole, ignoring case: `*` is any run of
/// characters, `?` any one. (Dragonfly takes regular expressions here; a host chooses the name it
/// is matched against, so we take globs, which cannot backtrack without bound.)
bool glob_match(std::string_view pattern, std::string_view text);

/// The score of one cluster's scopes for a host (0 when nothing matches and it is not the default).
cluster_rank score_cluster(const host_facts& host, const scheduler_cluster& cluster);

/// Every cluster with a score above 0, best first: by score, then longest matching CIDR prefix,
/// then lowest id (so the answer is the same on every replica).
std::vector<cluster_rank> rank_clusters(const host_facts& host, const std::vector<scheduler_cluster>& clusters);

}  // namespace df::manager
