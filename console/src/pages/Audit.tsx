// The audit log: newest first, filtered on the server, with a link to the same rows as CSV.
import { useState } from "react";
import { apiPage, queryString } from "../api";
import type { AuditEntry } from "../types";
import { ErrorBox, formatTime, Pager, useLoad, Head } from "../ui";

const perPage = 50;

export function Audit() {
  const [page, setPage] = useState(1);
  const [filters, setFilters] = useState({ actor: "", actor_type: "", method: "", path: "", status: "" });
  const list = useLoad(() => apiPage<AuditEntry>("/api/v1/audits", page, perPage, filters), [page, filters]);
  const set = (k: keyof typeof filters) => (e: { target: { value: string } }) => {
    setFilters({ ...filters, [k]: e.target.value });
    setPage(1);
  };

  return (
    <section>
      <h1>Audit</h1>
      <div className="filters">
        <label>
          Actor <input value={filters.actor} onChange={set("actor")} />
        </label>
        <label>
          Actor type{" "}
          <select value={filters.actor_type} onChange={set("actor_type")}>
            {["", "user", "admin_token", "personal_access_token", "anonymous"].map((t) => (
              <option key={t} value={t}>
                {t || "any"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Method{" "}
          <select value={filters.method} onChange={set("method")}>
            {["", "POST", "PATCH", "PUT", "DELETE"].map((m) => (
              <option key={m} value={m}>
                {m || "any"}
              </option>
            ))}
          </select>
        </label>
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
      <table>
        <Head cols={["Time", "Actor", "From", "Request", "Status", "Resource"]} />
        <tbody>
          {list.data?.items.map((a) => (
            <tr key={a.id}>
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
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && <Pager page={page} perPage={perPage} total={list.data.total} onPage={setPage} />}
    </section>
  );
}
