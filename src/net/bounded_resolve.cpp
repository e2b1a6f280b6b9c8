#include "net/bounded_resolve.hpp"

#include "core/error.hpp"
#include "net/async_event.hpp"

#include <memory>

namespace df::net {

namespace {

// One resolution, shared by the caller and the coroutine that waits for the resolver: a
// getaddrinfo stuck in its thread cannot be interrupted, so the caller stops waiting instead.
struct resolution {
  explicit resolution(asio::any_io_executor ex) : resolver(ex), done(ex) {}
  asio::ip::tcp::resolver resolver;
  async_event done;
  resolved_endpoints out;
  bool finished = false;
};

}  // namespace

awaitable<resolved_endpoints> resolve_within(const std::string& host, const std::string& service,
                                             std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  auto r = std::make_shared<resolution>(ex);
  asio::co_spawn(
      ex,
      [r, host, service]() -> awaitable<void> {
        auto [ec, endpoints] = co_await r->resolver.async_resolve(host, service, use_nothrow);
        r->out = resolved_endpoints{ec, std::move(endpoints)};
        r->finished = true;
        r->done.notify_all();
      },
      asio::detached);
  if (!r->finished) co_await r->done.wait_for(timeout);
  if (!r->finished) {
    r->resolver.cancel();
    co_return resolved_endpoints{make_error_code(errc::timeout), {}};
  }
  co_return r->out;
}

}  // namespace df::net
