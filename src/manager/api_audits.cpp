// /api/v1/audits and /api/v1/audits.csv: the audit log, newest first (docs/console.md).
#include "manager/account_codec.hpp"
#include "manager/api_handlers.hpp"
#include "manager/audit.hpp"

namespace df::manager {

namespace {

constexpr std::uint32_t max_csv_rows = 10000;  // one export; page on for more

}  // namespace

api_response handle_audits(api_context& ctx, const routed_request& r) {
  if (r.segments.size() != 1) throw api_error(404, "not_found", "no such resource");
  if (r.raw.method != "GET") method_not_allowed("GET");
  const auto filter = parse_audit_filter(r.raw.query);
  if (r.segments[0] == "audits")
    return list_response(ctx.db.accounts().list_audits(filter, parse_page(r.raw.query)),
                         [](const audit_record& a) { return to_json(a); });
  // The CSV: up to max_csv_rows per page (?page=N for the next ones).
  auto p = parse_page(r.raw.query);
  p.per_page = max_csv_rows;
  const auto listed = value_or_throw(ctx.db.accounts().list_audits(filter, p), "audit rows");
  api_response res;
  res.status = 200;
  res.body = audits_csv(listed.items);
  res.headers.emplace_back("Content-Type", "text/csv; charset=utf-8");
  res.headers.emplace_back("Content-Disposition", "attachment; filename=\"audits.csv\"");
  res.headers.emplace_back("X-Total-Count", std::to_string(listed.total));
  return res;
}

}  // namespace df::manager
