// Jobs: the list (newest first, by state) and the preheat form (image or file, scope, clusters).
import { useState } from "react";
import { api, apiPage } from "../api";
import { Link, navigate } from "../router";
import type { Job } from "../types";
import { ClusterPicker } from "../components/ClusterPicker";
import { Choice, DataTable, ErrorBox, Field, FormActions, formatTime, Guarded, splitList, useAction, useLoad } from "../ui";

const perPage = 20;
const jobStates = ["PENDING", "RUNNING", "SUCCESS", "FAILURE", "CANCELED"];

function PreheatForm({ onDone }: { onDone: () => void }) {
  const [type, setType] = useState<"image" | "file">("file");
  const [urls, setUrls] = useState("");
  const [scope, setScope] = useState("single_seed_peer");
  const [clusterIds, setClusterIds] = useState<number[]>([]);
  const [bio, setBio] = useState("");
  const [platform, setPlatform] = useState("");
  const action = useAction();

  const submit = action.submit(async () => {
    const list = splitList(urls);
    const args: Record<string, unknown> = { type, scope };
    if (type === "image") {
      args.url = list[0] ?? "";
      if (platform) args.platform = platform;
    } else args.urls = list;
    const job = await api<Job>("POST", "/api/v1/jobs", { type: "preheat", bio, scheduler_cluster_ids: clusterIds, args });
    onDone();
    navigate(`/jobs/${job.id}`);
  });

  return (
    <form className="card" onSubmit={submit} aria-label="new preheat">
      <h2>New preheat</h2>
      <fieldset>
        <legend>What</legend>
        <label className="check">
          <input type="radio" name="type" checked={type === "file"} onChange={() => setType("file")} /> Files
        </label>
        <label className="check">
          <input type="radio" name="type" checked={type === "image"} onChange={() => setType("image")} /> Image
        </label>
      </fieldset>
      <Field label={type === "image" ? "Manifest URL" : "File URLs"} hint={type === "image" ? "https://registry/v2/<name>/manifests/<ref>" : "one a line"}>
        <textarea name="urls" rows={type === "image" ? 1 : 3} value={urls} onChange={(e) => setUrls(e.target.value)} />
      </Field>
      {type === "image" && (
        <Field label="Platform" hint="default linux/amd64">
          <input name="platform" value={platform} onChange={(e) => setPlatform(e.target.value)} />
        </Field>
      )}
      <Field label="Scope">
        <select name="scope" value={scope} onChange={(e) => setScope(e.target.value)}>
          <option value="single_seed_peer">one seed peer</option>
          <option value="all_seed_peers">every seed peer</option>
          <option value="all_peers">every peer</option>
        </select>
      </Field>
      <ClusterPicker chosen={clusterIds} onChange={setClusterIds} />
      <Field label="Description">
        <input name="bio" value={bio} onChange={(e) => setBio(e.target.value)} />
      </Field>
      <FormActions submit="Create preheat" onCancel={onDone} error={action.error} busy={action.busy} />
    </form>
  );
}

export function Jobs() {
  const [page, setPage] = useState(1);
  const [state, setState] = useState("");
  const [creating, setCreating] = useState(false);
  const list = useLoad(() => apiPage<Job>("/api/v1/jobs", page, perPage, { state }), [page, state], 5000);

  return (
    <section>
      <h1>Jobs</h1>
      <div className="filters">
        <Guarded permission="job:write" onClick={() => setCreating(true)}>
          New preheat
        </Guarded>
        <Choice label="State" value={state} options={["", ...jobStates]} onChange={(v) => { setState(v); setPage(1); }} />
      </div>
      {creating && <PreheatForm onDone={() => { setCreating(false); list.reload(); }} />}
      <ErrorBox error={list.error} />
      <DataTable
        cols={["ID", "Type", "State", "What", "Clusters", "Created"]}
        rows={list.data?.items}
        rowKey={(j) => j.id}
        paging={{ page, perPage, total: list.data?.total, onPage: setPage }}
        cells={(j) => (
          <>
            <td>
              <Link href={`/jobs/${j.id}`}>{j.id}</Link>
            </td>
            <td>
              {j.type}
              {typeof j.args.type === "string" && ` (${j.args.type})`}
            </td>
            <td className={`state ${j.state}`}>{j.state}</td>
            <td className="url">{String(j.args.url || (Array.isArray(j.args.urls) ? j.args.urls.join(" ") : j.args.task_id ?? ""))}</td>
            <td>{j.scheduler_cluster_ids.length ? j.scheduler_cluster_ids.join(", ") : "all"}</td>
            <td>{formatTime(j.created_at)}</td>
          </>
        )}
      />
    </section>
  );
}
