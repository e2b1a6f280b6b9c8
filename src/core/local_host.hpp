#pragma once
// What a component says about its own host when nothing is configured: its name and an address
// other hosts can reach it on.

#include <string>

namespace df {

/// The machine's host name (gethostname).
std::string local_hostname();
/// The first non-loopback IPv4 address of the machine's interfaces; 127.0.0.1 when it has none.
std::string first_ipv4();

}  // namespace df
