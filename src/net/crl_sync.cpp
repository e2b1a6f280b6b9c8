#include "net/crl_sync.hpp"

#include "net/json_client.hpp"
#include "net/metrics.hpp"
#include "net/tls_identity.hpp"

#include <spdlog/spdlog.h>

namespace df::net {

namespace {

constexpr const char* help = "GET /api/v1/crl from dfmanager (security.mode mtls), by outcome";

std::string name(const std::string& component) { return "dragonfly_" + component + "_manager_crl_fetches_total"; }

}  // namespace

manager_crl_sync::manager_crl_sync(std::shared_ptr<tls_identity> tls, metrics_registry& metrics,
                                   const std::string& component)
    : tls_(std::move(tls)),
      component_(component),
      applied_(metrics.counter(name(component), help, "result=\"applied\"")),
      unchanged_(metrics.counter(name(component), help, "result=\"unchanged\"")),
      refused_(metrics.counter(name(component), help, "result=\"refused\"")),
      failed_(metrics.counter(name(component), help, "result=\"failed\"")) {}

void manager_crl_sync::count(metric& m, const std::string& problem) {
  m.add();
  if (problem.empty() || !log_.allow(std::chrono::steady_clock::now())) return;
  if (&m == &failed_) spdlog::warn("{}: no CRL from the manager: {}", component_, problem);
  else spdlog::error("{}: ignoring the manager's CRL: {}", component_, problem);
}

awaitable<void> manager_crl_sync::fetch(json_client& client) {
  if (!tls_ || tls_->mode() != security_mode::mtls) co_return;
  const std::string get = "GET", target = "/api/v1/crl", empty;
  auto reply = co_await client.request(get, target, empty);
  if (!reply) {
    count(failed_, reply.error().message());
    co_return;
  }
  if (reply->status == 404) {  // the manager is not the CA: nothing to take, said once
    failed_.add();
    if (!told_not_ca_)
      spdlog::info("{}: the manager at {} is not the cluster CA; revocations come only from security.crl_file",
                   component_, reply->address);
    told_not_ca_ = true;
    co_return;
  }
  if (reply->status != 200) {
    count(failed_, fmt::format("{} answered {}: {}", reply->address, reply->status, excerpt(reply->body)));
    co_return;
  }
  std::string why;
  switch (tls_->apply_crl(reply->body, why)) {
    case tls_identity::crl_update::applied_unsaved:
      spdlog::error("{}: {}", component_, why);
      [[fallthrough]];
    case tls_identity::crl_update::applied:
      applied_.add();
      spdlog::info("{}: the manager's CRL number {} is in force", component_, tls_->crl_number());
      break;
    case tls_identity::crl_update::unchanged:
      unchanged_.add();
      break;
    case tls_identity::crl_update::older:
    case tls_identity::crl_update::refused:
      count(refused_, fmt::format("from {}: {}", reply->address, why));
      break;
  }
}

}  // namespace df::net
