// Scheduler clusters: list, create, edit (scopes and config) and delete; the API validates and
// its 400 message (naming the field) is shown under the form.
import { useState } from "react";
import { api, apiPage } from "../api";
import { useCan } from "../session";
import type { Cluster } from "../types";
import { DataTable, ErrorBox, Field, FormActions, formatTime, Guarded, splitList, useAction, useLoad } from "../ui";

const perPage = 20;

interface Draft {
  name: string;
  bio: string;
  idc: string;
  location: string;
  cidrs: string;
  hostnames: string;
  candidate_parent_limit: string;
  filter_parent_limit: string;
  peer_upload_rate_limit: string;
  peer_download_rate_limit: string;
  blocklist_urls: string;
  is_default: boolean;
}

const empty: Draft = {
  name: "",
  bio: "",
  idc: "",
  location: "",
  cidrs: "",
  hostnames: "",
  candidate_parent_limit: "4",
  filter_parent_limit: "15",
  peer_upload_rate_limit: "0",
  peer_download_rate_limit: "0",
  blocklist_urls: "",
  is_default: false,
};

function draftOf(c: Cluster): Draft {
  return {
    name: c.name,
    bio: c.bio,
    idc: c.scopes.idc,
    location: c.scopes.location,
    cidrs: c.scopes.cidrs.join(", "),
    hostnames: c.scopes.hostnames.join(", "),
    candidate_parent_limit: String(c.config.candidate_parent_limit),
    filter_parent_limit: String(c.config.filter_parent_limit),
    peer_upload_rate_limit: String(c.config.peer_upload_rate_limit),
    peer_download_rate_limit: String(c.config.peer_download_rate_limit),
    blocklist_urls: c.config.blocklist.urls.join("\n"),
    is_default: c.is_default,
  };
}

// The body the API takes; numbers that do not parse are sent as given so the server names them.
function bodyOf(d: Draft, old?: Cluster) {
  const num = (s: string) => (s.trim() !== "" && !Number.isNaN(Number(s)) ? Number(s) : s);
  return {
    name: d.name.trim(),
    bio: d.bio,
    is_default: d.is_default,
    scopes: { idc: d.idc, location: d.location, cidrs: splitList(d.cidrs), hostnames: splitList(d.hostnames) },
    config: {
      candidate_parent_limit: num(d.candidate_parent_limit),
      filter_parent_limit: num(d.filter_parent_limit),
      peer_upload_rate_limit: num(d.peer_upload_rate_limit),
      peer_download_rate_limit: num(d.peer_download_rate_limit),
      blocklist: { ...(old?.config.blocklist ?? { applications: [], tags: [] }), urls: splitList(d.blocklist_urls) },
    },
  };
}

function ClusterForm(props: { cluster?: Cluster; onDone: () => void }) {
  const [d, setD] = useState<Draft>(props.cluster ? draftOf(props.cluster) : empty);
  const action = useAction(props.onDone);
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setD({ ...d, [k]: e.target.value });
  const submit = action.submit(() =>
    props.cluster
      ? api("PATCH", `/api/v1/scheduler-clusters/${props.cluster.id}`, bodyOf(d, props.cluster))
      : api("POST", "/api/v1/scheduler-clusters", bodyOf(d)),
  );

  return (
    <form className="card" onSubmit={submit} aria-label={props.cluster ? `edit cluster ${props.cluster.name}` : "new cluster"}>
      <h2>{props.cluster ? `Edit ${props.cluster.name}` : "New cluster"}</h2>
      <div className="grid">
        <Field label="Name" hint="1–64 of A-Z a-z 0-9 - _ .">
          <input name="name" required value={d.name} onChange={set("name")} />
        </Field>
        <Field label="Description">
          <input name="bio" value={d.bio} onChange={set("bio")} />
        </Field>
        <Field label="IDC scope" hint="a|b matches either">
          <input name="idc" value={d.idc} onChange={set("idc")} />
        </Field>
        <Field label="Location scope">
          <input name="location" value={d.location} onChange={set("location")} />
        </Field>
        <Field label="CIDRs" hint="comma-separated, e.g. 10.8.0.0/16">
          <input name="cidrs" value={d.cidrs} onChange={set("cidrs")} />
        </Field>
        <Field label="Host names" hint="comma-separated globs">
          <input name="hostnames" value={d.hostnames} onChange={set("hostnames")} />
        </Field>
        <Field label="Candidate parent limit" hint="1–20">
          <input name="candidate_parent_limit" inputMode="numeric" value={d.candidate_parent_limit} onChange={set("candidate_parent_limit")} />
        </Field>
        <Field label="Filter parent limit" hint="1–1000">
          <input name="filter_parent_limit" inputMode="numeric" value={d.filter_parent_limit} onChange={set("filter_parent_limit")} />
        </Field>
        <Field label="Peer upload limit (bytes/s)" hint="0 = unlimited, else ≥ 65536">
          <input name="peer_upload_rate_limit" inputMode="numeric" value={d.peer_upload_rate_limit} onChange={set("peer_upload_rate_limit")} />
        </Field>
        <Field label="Peer download limit (bytes/s)" hint="0 = unlimited, else ≥ 65536">
          <input name="peer_download_rate_limit" inputMode="numeric" value={d.peer_download_rate_limit} onChange={set("peer_download_rate_limit")} />
        </Field>
        <Field label="Blocked URLs" hint="one regular expression a line">
          <textarea name="blocklist_urls" rows={2} value={d.blocklist_urls} onChange={set("blocklist_urls")} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={d.is_default} onChange={(e) => setD({ ...d, is_default: e.target.checked })} /> Default cluster
        </label>
      </div>
      <FormActions submit={props.cluster ? "Save" : "Create cluster"} onCancel={props.onDone} error={action.error} busy={action.busy} />
    </form>
  );
}

export function Clusters() {
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<Cluster | "new" | null>(null);
  const can = useCan("cluster:write");
  const list = useLoad(() => apiPage<Cluster>("/api/v1/scheduler-clusters", page, perPage), [page]);

  const action = useAction(list.reload);
  const remove = (c: Cluster) =>
    confirm(`Delete cluster ${c.name} with its schedulers and seed peers?`) &&
    action.run(() => api("DELETE", `/api/v1/scheduler-clusters/${c.id}`));
  const done = () => {
    setEditing(null);
    list.reload();
  };

  return (
    <section>
      <h1>Clusters</h1>
      <Guarded permission="cluster:write" onClick={() => setEditing("new")}>
        New cluster
      </Guarded>
      {editing && <ClusterForm key={editing === "new" ? "new" : editing.id} cluster={editing === "new" ? undefined : editing} onDone={done} />}
      <ErrorBox error={list.error ?? action.error} />
      <DataTable
        cols={["ID", "Name", "Scopes", "Parents", "Default", "Updated"]}
        rows={list.data?.items}
        rowKey={(c) => c.id}
        paging={{ page, perPage, total: list.data?.total, onPage: setPage }}
        cells={(c) => (
          <>
            <td>{c.id}</td>
            <td>
              {c.name}
              {c.bio && <small className="muted"> — {c.bio}</small>}
            </td>
            <td>
              {[c.scopes.idc && `idc ${c.scopes.idc}`, c.scopes.location && `location ${c.scopes.location}`,
                c.scopes.cidrs.length > 0 && `cidrs ${c.scopes.cidrs.join(" ")}`,
                c.scopes.hostnames.length > 0 && `hosts ${c.scopes.hostnames.join(" ")}`]
                .filter(Boolean)
                .join("; ") || "—"}
            </td>
            <td>
              {c.config.candidate_parent_limit} / {c.config.filter_parent_limit}
            </td>
            <td>{c.is_default ? "yes" : ""}</td>
            <td>{formatTime(c.updated_at)}</td>
          </>
        )}
        actions={
          can
            ? (c) => (
                <>
                  <button onClick={() => setEditing(c)}>Edit</button>
                  <button disabled={c.is_default} onClick={() => remove(c)}>
                    Delete
                  </button>
                </>
              )
            : undefined
        }
      />
    </section>
  );
}
