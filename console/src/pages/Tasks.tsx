// Task search: which hosts hold a task, found by URL (and the parts of its task ID) or by task ID,
// through a get_task job; "Delete everywhere" evicts it through a delete_task job. Both jobs are
// followed on this page until they end.
import { useState } from "react";
import { api } from "../api";
import { Link } from "../router";
import type { Job } from "../types";
import { useCan } from "../session";
import { ErrorBox, Field, FormActions, Guarded, useAction } from "../ui";
import { HostResults, JobFacts, useJob } from "../components/JobResults";
import { ClusterPicker } from "../components/ClusterPicker";

type By = "url" | "task_id";

interface Query {
  by: By;
  url: string;
  tag: string;
  application: string;
  filtered_query_params: string;
  task_id: string;
}

const blank: Query = { by: "url", url: "", tag: "", application: "", filtered_query_params: "", task_id: "" };

/** The inline messages for `q` (none: it may be sent); the server checks the same again. */
export function validate(q: Query): Partial<Record<keyof Query, string>> {
  if (q.by === "task_id") {
    const id = q.task_id.trim();
    if (id === "") return { task_id: "required" };
    return /^[0-9a-f]{64}$/i.test(id) ? {} : { task_id: "not a task ID: it has 64 hex digits (SHA-256)" };
  }
  const url = q.url.trim();
  if (url === "") return { url: "required" };
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return { url: "not an http(s) URL" };
  } catch {
    return { url: "not a URL, e.g. https://cdn.example.com/file.bin" };
  }
  return {};
}

// The job arguments of a search: the task ID, or the URL with the parts of its ID.
function argsOf(q: Query): Record<string, string> {
  if (q.by === "task_id") return { task_id: q.task_id.trim().toLowerCase() };
  return { url: q.url.trim(), tag: q.tag, application: q.application, filtered_query_params: q.filtered_query_params };
}

// One job of this page (the search or the deletion): its state, reason and per-host results.
function JobOutcome({ id, title, okText, empty }: { id: number; title: string; okText: string; empty: string }) {
  const { job, error, live } = useJob(id, 1000);
  return (
    <section className="card" aria-label={title}>
      <h2>
        {title}: <Link href={`/jobs/${id}`}>job {id}</Link>
      </h2>
      <ErrorBox error={error} />
      {job && (
        <>
          <JobFacts job={job} live={live} testId={`${job.type}-state`} />
          {!live && <HostResults job={job} label={`${title} hosts`} okText={okText} empty={empty} />}
        </>
      )}
    </section>
  );
}

export function Tasks() {
  const [q, setQ] = useState<Query>(blank);
  const [shown, setShown] = useState(false);  // inline messages once a search was tried
  const [search, setSearch] = useState<{ id: number; args: Record<string, string>; clusters: number[] } | null>(null);
  const [deletion, setDeletion] = useState<number | null>(null);
  const [clusterIds, setClusterIds] = useState<number[]>([]);
  const action = useAction();
  const can = useCan("job:write");  // a search is a job too
  const problems = shown ? validate(q) : {};
  const set = (k: keyof Query) => (e: { target: { value: string } }) => setQ({ ...q, [k]: e.target.value });

  const submit = action.submit(async () => {
    setShown(true);
    if (Object.keys(validate(q)).length > 0) return;
    const args = argsOf(q);
    const job = await api<Job>("POST", "/api/v1/jobs", { type: "get_task", args, scheduler_cluster_ids: clusterIds });
    setDeletion(null);
    setSearch({ id: job.id, args, clusters: clusterIds });
  });
  const removeEverywhere = () => {
    if (!search) return;
    const what = search.args.task_id || search.args.url;
    if (!confirm(`Delete task ${what} from every host that holds it?`)) return;
    void action.run(async () => {
      const job = await api<Job>("POST", "/api/v1/jobs", { type: "delete_task", args: search.args, scheduler_cluster_ids: search.clusters });
      setDeletion(job.id);
    });
  };

  return (
    <section>
      <h1>Tasks</h1>
      <p className="muted">Which hosts hold a task, by its URL or its task ID; and its deletion from all of them.</p>
      {!can && <p>Searching runs a get_task job, which needs the job:write permission.</p>}
      {can && (
        <form className="card" onSubmit={submit} aria-label="task search" noValidate>
          <fieldset>
            <legend>Search by</legend>
            <label className="check">
              <input type="radio" name="by" checked={q.by === "url"} onChange={() => setQ({ ...q, by: "url" })} /> URL
            </label>
            <label className="check">
              <input type="radio" name="by" checked={q.by === "task_id"} onChange={() => setQ({ ...q, by: "task_id" })} /> Task ID
            </label>
          </fieldset>
          {q.by === "url" ? (
            <div className="grid">
              <Field label="URL" hint="the URL the task was downloaded from" error={problems.url}>
                <input name="url" type="url" value={q.url} onChange={set("url")} />
              </Field>
              <Field label="Tag" hint="optional, as given to dfget">
                <input name="tag" value={q.tag} onChange={set("tag")} />
              </Field>
              <Field label="Application" hint="optional">
                <input name="application" value={q.application} onChange={set("application")} />
              </Field>
              <Field label="Filtered query parameters" hint="optional, e.g. Expires&Signature">
                <input name="filtered_query_params" value={q.filtered_query_params} onChange={set("filtered_query_params")} />
              </Field>
            </div>
          ) : (
            <Field label="Task ID" hint="64 hex digits" error={problems.task_id}>
              <input name="task_id" value={q.task_id} onChange={set("task_id")} spellCheck={false} />
            </Field>
          )}
          <ClusterPicker chosen={clusterIds} onChange={setClusterIds} />
          <FormActions submit="Search" error={action.error} busy={action.busy} />
        </form>
      )}
      {search && (
        <>
          <JobOutcome key={`s${search.id}`} id={search.id} title="Search" okText="holds it" empty="No host holds this task." />
          <div className="actions">
            <Guarded permission="job:write" onClick={removeEverywhere}>
              Delete everywhere
            </Guarded>
          </div>
        </>
      )}
      {deletion !== null && (
        <JobOutcome key={`d${deletion}`} id={deletion} title="Deletion" okText="deleted" empty="No host held this task." />
      )}
    </section>
  );
}
