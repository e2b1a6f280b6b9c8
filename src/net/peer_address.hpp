#pragma once
// The address at the other end of a connected socket, as text (for per-address limits and logs).

#include <string>

namespace df::net {

/// The remote IP address of a connected socket ("" for a unix-domain socket or on error).
std::string peer_address(int native_socket);

}  // namespace df::net
