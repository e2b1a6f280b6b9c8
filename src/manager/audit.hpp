#pragma once
// The audit log's rules (docs/console.md, "Audit"): which calls are recorded, the row for one,
// the filters of GET /api/v1/audits, and the CSV export. Pure; server.cpp writes the rows on the
// database thread once the answer is known.

#include "manager/account_model.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace df::manager {

/// Who made an audited call; an empty `type` means the call is not audited (components: host
/// announcements, registrations and keepalives are machine traffic, recorded elsewhere).
struct audit_actor {
  std::string type;  // "user", "admin_token", "personal_access_token", "anonymous"
  std::string name;  // user name, token id, the name tried at a failed sign-in, "admin"
};

/// Whether a call with this method changes state (everything but GET and HEAD).
bool state_changing(std::string_view method);

/// The row for one answered call: resource and resource_id from the path under /api/v1/ or
/// /oapi/v1/ ("users", "7"), else from the answer's "id" (a 201 of a create).
audit_record make_audit(const audit_actor& who, std::string_view ip, std::string_view method, std::string_view path,
                        int status, std::string_view answer_body, std::int64_t now);

/// The filters of GET /api/v1/audits from its query (actor, actor_type, method, path, status,
/// since, until in ms); api_error 400 naming a bad one.
audit_filter parse_audit_filter(std::string_view query);

/// One CSV cell (RFC 4180): quoted when it holds a comma, a quote, CR or LF; a cell starting with
/// = + - @ (or a tab / CR) is prefixed with ' so that a spreadsheet never runs it as a formula.
std::string csv_cell(std::string_view value);
/// The header line and one line per row, CRLF-terminated.
std::string audits_csv(const std::vector<audit_record>& rows);

}  // namespace df::manager
