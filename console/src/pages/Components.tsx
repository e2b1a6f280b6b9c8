// Schedulers, seed peers and hosts: server-side pages (page/per_page), searched (host name, IP, IDC,
// location) and filtered by state on the server (?search=&state=).
import { useState } from "react";
import { apiPage } from "../api";
import type { Host, Scheduler, SeedPeer } from "../types";
import { Choice, DataTable, ErrorBox, formatBytes, formatTime, useLoad } from "../ui";

type Kind = "schedulers" | "seed-peers" | "hosts";
type Row = Scheduler | SeedPeer | Host;

const titles: Record<Kind, string> = { schedulers: "Schedulers", "seed-peers": "Seed peers", hosts: "Hosts" };

export function Components({ kind }: { kind: Kind }) {
  const [page, setPage] = useState(1);
  const [perPage, setPerPage] = useState(50);
  const [text, setText] = useState("");
  const [state, setState] = useState("");
  const list = useLoad(
    () => apiPage<Row>(`/api/v1/${kind}`, page, perPage, { search: text, state: kind === "hosts" ? "" : state }),
    [kind, page, perPage, text, state],
    10000,
  );
  const hosts = kind === "hosts";

  return (
    <section>
      <h1>{titles[kind]}</h1>
      <div className="filters">
        <label>
          Search <input type="search" maxLength={128} value={text} onChange={(e) => { setText(e.target.value); setPage(1); }} placeholder="name, IP, IDC, location" />
        </label>
        {!hosts && (
          <Choice label="State" value={state} options={["", "active", "inactive"]} onChange={(v) => { setState(v); setPage(1); }} />
        )}
        <label>
          Per page{" "}
          <select value={perPage} onChange={(e) => { setPerPage(Number(e.target.value)); setPage(1); }}>
            {[20, 50, 100].map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={list.error} />
      <DataTable
        cols={["ID", "Host name", "IP", "IDC", "Location", "Cluster", hosts ? "Version" : "State", hosts ? "Cache" : "Port", "Last seen"]}
        rows={list.data?.items}
        rowKey={(r) => r.id}
        paging={{ page, perPage, total: list.data?.total, onPage: setPage }}
        cells={(r) => (
          <>
            <td>{r.id}</td>
            <td>{r.hostname}</td>
            <td>{r.ip}</td>
            <td>{r.idc || "—"}</td>
            <td>{r.location || "—"}</td>
            <td>{"seed_peer_cluster_id" in r ? r.seed_peer_cluster_id : r.scheduler_cluster_id}</td>
            {"version" in r ? <td>{r.version || "—"}</td> : <td className={`state ${r.state}`}>{r.state}</td>}
            {"cache_bytes" in r ? <td>{formatBytes(r.cache_bytes)}</td> : <td>{r.port}</td>}
            <td>{formatTime("last_seen_at" in r ? r.last_seen_at : r.last_keepalive_at)}</td>
          </>
        )}
      />
    </section>
  );
}
