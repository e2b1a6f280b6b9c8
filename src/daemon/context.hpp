#pragma once
// What every part of the daemon shares: executor, worker pool, config, storage, stats, limits.

#include "daemon/config.hpp"
#include "daemon/stats.hpp"
#include "net/asio.hpp"

#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <type_traits>

namespace df::storage {
class task_store;
}
namespace df::net {
class token_bucket;
class tls_identity;
class statement_signer;
}

namespace df::daemon {

class scheduler_router;
class piece_client;
class origin_policy;
class cluster_policy;

/// References to the daemon's shared services; owned by the daemon object, outlives every task.
struct daemon_context {
  net::asio::any_io_executor ex;  // the one I/O thread that owns all task state
  net::asio::thread_pool& pool;   // hashing and disk I/O
  const config& cfg;
  storage::task_store& store;
  daemon_stats& stats;
  scheduler_router& scheduler;  // routes each task's messages to its scheduler
  piece_client& pieces;
  net::token_bucket& download_limit;
  net::token_bucket& upload_limit;
  const origin_policy& origins;  // which origins back-to-source may fetch (restricted on seed peers)
  net::tls_identity* tls = nullptr;                // security.mode tls/mtls: the CA and our certificate
  // Signs the digests this host computes as a source; replaced when the certificate is renewed
  // (a task keeps the one it started with).
  std::shared_ptr<const net::statement_signer> signer;
  cluster_policy* policy = nullptr;                 // the cluster config from dfmanager (blocklist); null = none
};

/// Runs `f` on the worker pool and resumes the caller on its own executor with f's result.
template <class F>
net::awaitable<std::invoke_result_t<F>> run_blocking(net::asio::thread_pool& pool, F f) {
  using R = std::invoke_result_t<F>;
  auto job = [f = std::move(f)]() mutable -> net::awaitable<R> { co_return f(); };
  co_return co_await net::asio::co_spawn(pool, std::move(job), net::use_awaitable);
}

}  // namespace df::daemon
