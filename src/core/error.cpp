#include "core/error.hpp"

namespace df {
namespace {

class df_category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "dragonfly"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok: return "success";
      case errc::invalid_argument: return "invalid argument";
      case errc::invalid_url: return "invalid URL";
      case errc::malformed_message: return "malformed protocol message";
      case errc::message_too_large: return "protocol message too large";
      case errc::unsupported_version: return "unsupported protocol version";
      case errc::piece_digest_mismatch: return "piece digest mismatch";
      case errc::file_digest_mismatch: return "file digest mismatch";
      case errc::origin_status: return "origin returned an error status";
      case errc::origin_short_body: return "origin closed the connection before the whole body";
      case errc::origin_unreachable: return "origin unreachable";
      case errc::scheduler_unreachable: return "scheduler unreachable";
      case errc::no_parent: return "no peer can serve the task and back-to-source is disabled";
      case errc::task_failed: return "task failed";
      case errc::storage_io: return "storage I/O error";
      case errc::disk_full: return "no space left on the data directory";
      case errc::not_found: return "not found";
      case errc::timeout: return "timed out";
      case errc::daemon_unreachable: return "dfdaemon unreachable";
      case errc::cancelled: return "cancelled";
      case errc::out_of_bounds: return "a size, count or number is over its limit";
      case errc::not_permitted: return "not permitted for this participant";
    }
    return "unknown error";
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const df_category category;
  return category;
}

}  // namespace df
