#include "manager/job_dispatcher.hpp"

namespace df::manager {

namespace {

class unwired_dispatcher final : public job_dispatcher {
 public:
  net::awaitable<dispatch_result> dispatch(const dispatch_request& request) override {
    dispatch_result r;
    r.error = "no scheduler dispatch yet: this manager cannot hand jobs to cluster " +
              std::to_string(request.scheduler_cluster_id) + "'s schedulers (docs/preheat.md, \"Not wired yet\")";
    co_return r;
  }
};

}  // namespace

std::unique_ptr<job_dispatcher> make_unwired_dispatcher() { return std::make_unique<unwired_dispatcher>(); }

}  // namespace df::manager
