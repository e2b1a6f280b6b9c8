#pragma once
// Error values shared by every component: one enum, every value documented, plus result<T>.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <system_error>

namespace df {

/// Every error a component returns across a boundary; the comment is the message users see.
enum class errc {
  ok = 0,
  invalid_argument,        // a value given by the user or a config file is malformed
  invalid_url,             // the URL cannot be parsed or has an unsupported scheme
  malformed_message,       // a protocol frame or message could not be decoded
  message_too_large,       // a frame exceeds the protocol's size limit
  unsupported_version,     // the peer speaks a protocol version we do not
  piece_digest_mismatch,   // a piece's bytes do not match the digest the seed computed
  file_digest_mismatch,    // the whole file does not match the digest the user gave
  origin_status,           // the origin answered with a non-success HTTP status
  origin_short_body,       // the origin closed before sending Content-Length bytes
  origin_unreachable,      // the origin could not be connected to
  scheduler_unreachable,   // no scheduler answered
  no_parent,               // no peer or seed could serve the task and back-to-source is off
  task_failed,             // the task failed at the seed; details in the message
  storage_io,              // reading or writing the data directory failed
  disk_full,               // the data directory's filesystem has no space left
  not_found,               // the task or piece is not stored here
  timeout,                 // the operation did not finish in the allowed time
  daemon_unreachable,      // dfget could not reach dfdaemon's local socket
  cancelled,               // the operation was cancelled (shutdown or requester gone)
  out_of_bounds,           // a size, count or number from the network is over its limit
  not_permitted,           // a participant claimed or did what its identity does not allow
};

/// The category that names df::errc values in logs and messages.
const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// A value or an error code; the return type of fallible functions at component boundaries.
template <class T>
using result = boost::system::result<T>;

}  // namespace df

namespace boost::system {
template <>
struct is_error_code_enum<df::errc> : std::true_type {};
}  // namespace boost::system
