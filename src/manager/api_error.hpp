#pragma once
// The 4xx/5xx answers of the manager's API: a status, a stable machine-readable code, a message.

#include <stdexcept>
#include <string>

namespace df::manager {

/// Thrown by request decoding and handlers, caught once in the router, which answers
/// {"code": …, "message": …} with `status` and counts it. Every value a client may send ends
/// here when it is wrong; nothing from the network escapes as another exception.
struct api_error : std::runtime_error {
  api_error(int status_, std::string code_, const std::string& message)
      : std::runtime_error(message), status(status_), code(std::move(code_)) {}
  int status;        // 400, 401, 404, 409, 413, 422, 503 …
  std::string code;  // "invalid_json", "unknown_field", "invalid_value", "conflict", "not_found" …
};

/// A 400 naming the field: `field` is a JSON path like "scopes.cidrs[1]".
inline api_error invalid_value(const std::string& field, const std::string& why) {
  return api_error(400, "invalid_value", field + ": " + why);
}

}  // namespace df::manager
