// The audit log: newest first, filtered on the server, with a link to the same rows as CSV.
import { useState } from "react";
import { apiPage, queryString } from "../api";
import type { AuditEntry } from "../types";
import { Choice, DataTable, ErrorBox, formatTime, useLoad } from "../ui";

const perPage = 50;

export function Audit() {
  const [page, setPage] = useState(1);
  const [filters, setFilters] = useState({ actor: "", actor_type: "", method: "", path: "", status: "" });
  const list = useLoad(() => apiPage<AuditEntry>("/api/v1/audits", page, perPage, filters), [page, filters]);
  const setTo = (k: keyof typeof filters) => (value: string) => {
    setFilters({ ...filters, [k]: value });
    setPage(1);
  };
  const set = (k: keyof typeof filters) => (e: { target: { value: string } }) => setTo(k)(e.target.value);

  return (
    <section>
      <h1>Audit</h1>
      <div className="filters">
        <label>
          Actor <input value={filters.actor} onChange={set("actor")} />
        </label>
        <Choice label="Actor type" value={filters.actor_type} options={["", "user", "admin_token", "personal_access_token", "anonymous"]} onChange={setTo("actor_type")} />
        <Choice label="Method" value={filters.method} options={["", "POST", "PATCH", "PUT", "DELETE"]} onChange={setTo("method")} />
        <label>
          Path <input value={filters.path} onChange={set("path")} />
        </label>
        <label>
          Status <input value={filters.status} onChange={set("status")} inputMode="numeric" size={4} />
        </label>
        <a href={`/api/v1/audits.csv${queryString(filters)}`} download="audit.csv">
          Download CSV
        </a>
      </div>
      <ErrorBox error={list.error} />
      <DataTable
        cols={["Time", "Actor", "From", "Request", "Status", "Resource"]}
        rows={list.data?.items}
        rowKey={(a) => a.id}
        paging={{ page, perPage, total: list.data?.total, onPage: setPage }}
        cells={(a) => (
          <>
            <td>{formatTime(a.time)}</td>
            <td>
              {a.actor} <small className="muted">{a.actor_type}</small>
            </td>
            <td>{a.ip}</td>
            <td>
              {a.method} {a.path}
            </td>
            <td>{a.status}</td>
            <td>
              {a.resource}
              {a.resource_id ? ` ${a.resource_id}` : ""}
            </td>
          </>
        )}
      />
    </section>
  );
}
