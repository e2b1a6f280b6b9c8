#include "net/tls_watch.hpp"

#include "net/metrics.hpp"
#include "net/tls_identity.hpp"

#include <spdlog/spdlog.h>

#include <optional>

namespace df::net {

struct tls_file_watch::state {
  state(std::shared_ptr<tls_identity> t, metrics_registry& metrics, std::string c)
      : tls(std::move(t)),
        component(std::move(c)),
        reloaded(metrics.counter("dragonfly_" + component + "_certificate_reloads_total", help, "result=\"ok\"")),
        refused(metrics.counter("dragonfly_" + component + "_certificate_reloads_total", help, "result=\"refused\"")) {}

  bool check() {
    if (!tls) return false;
    std::string why;
    if (tls->refresh_crl(why)) spdlog::info("{}: security.crl_file reloaded", component);
    else if (!why.empty() && log.allow(std::chrono::steady_clock::now()))
      spdlog::error("{}: cannot reload security.crl_file: {}", component, why);
    why.clear();
    switch (tls->refresh_certificate(why)) {
      case tls_identity::reload::reloaded:
        reloaded.add();
        spdlog::info("{}: security.cert_file reloaded; new connections present the new certificate", component);
        return true;
      case tls_identity::reload::refused:
        refused.add();
        if (log.allow(std::chrono::steady_clock::now()))
          spdlog::error("{}: keeping the certificate in use: {}", component, why);
        return false;
      case tls_identity::reload::pending:
        spdlog::debug("{}: the certificate pair does not fit together yet ({}); checking again", component, why);
        return false;
      case tls_identity::reload::unchanged:
        return false;
    }
    return false;
  }

  awaitable<void> loop() {
    while (!stopped) {
      timer->expires_after(tls_check_interval);
      co_await timer->async_wait(use_nothrow);
      if (stopped) break;
      if (check() && on_certificate) on_certificate();
    }
  }

  static constexpr const char* help = "Certificate pairs read again after cert_file or key_file changed, by result";
  std::shared_ptr<tls_identity> tls;
  std::string component;
  metric& reloaded;
  metric& refused;
  log_rate_limiter log{std::chrono::seconds(30)};
  std::optional<asio::steady_timer> timer;
  std::function<void()> on_certificate;
  bool stopped = false;
};

tls_file_watch::tls_file_watch(std::shared_ptr<tls_identity> tls, metrics_registry& metrics, std::string component)
    : state_(std::make_shared<state>(std::move(tls), metrics, std::move(component))) {}

tls_file_watch::~tls_file_watch() { stop(); }

bool tls_file_watch::check() { return state_->check(); }

void tls_file_watch::start(asio::any_io_executor ex, std::function<void()> on_certificate) {
  auto s = state_;
  if (!s->tls) return;
  s->timer.emplace(ex);
  s->on_certificate = std::move(on_certificate);
  asio::co_spawn(ex, [s] { return s->loop(); }, asio::detached);
}

void tls_file_watch::stop() {
  state_->stopped = true;
  state_->on_certificate = nullptr;
  if (state_->timer) state_->timer->cancel();
}

}  // namespace df::net
