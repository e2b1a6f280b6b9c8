#include "manager/cluster_binding.hpp"

#include "manager/api_error.hpp"

#include <string>

namespace df::manager {

api_request with_certificate_cluster(enrollment_store& db, const caller& who, const api_request& req) {
  api_request out = req;
  if (who.how != caller::kind::certificate || who.serial.empty()) return out;
  if (const auto issued = db.get_issued(who.serial)) out.certificate_cluster = issued->scheduler_cluster_id;
  return out;
}

std::int64_t held_to_bound_cluster(std::int64_t requested, std::int64_t bound, const char* field) {
  if (requested == 0 || requested == bound) return bound;
  throw api_error(403, "forbidden",
                  std::string(field) + ": this certificate was enrolled for cluster " + std::to_string(bound) +
                      ", not " + std::to_string(requested));
}

}  // namespace df::manager
