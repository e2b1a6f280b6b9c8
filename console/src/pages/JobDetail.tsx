// One job: its state and per-host results, polled every 2 s while it runs; cancel, copy, delete.
import { useState } from "react";
import { api } from "../api";
import { Link, navigate } from "../router";
import { useCan } from "../session";
import type { Job } from "../types";
import { ErrorBox, formatBytes, formatTime, useLoad, Guarded, Head } from "../ui";

const finished = ["SUCCESS", "FAILURE", "CANCELED"];

export function JobDetail({ id }: { id: number }) {
  const [error, setError] = useState<unknown>(null);
  const can = useCan("job:write");
  const [live, setLive] = useState(true);
  const job = useLoad(
    async () => {
      const j = await api<Job>("GET", `/api/v1/jobs/${id}`);
      if (finished.includes(j.state)) setLive(false);
      return j;
    },
    [id],
    live ? 2000 : 0,
  );
  const j = job.data;

  async function act(method: string, path: string, after?: (r: Job) => void) {
    setError(null);
    try {
      const r = await api<Job>(method, path);
      if (after) after(r);
      else {
        setLive(true);
        job.reload();
      }
    } catch (e) {
      setError(e);
    }
  }
  const results = j?.result?.job_states?.flatMap((s) => s.results ?? []) ?? [];

  return (
    <section>
      <p>
        <Link href="/jobs">← Jobs</Link>
      </p>
      <h1>Job {id}</h1>
      <ErrorBox error={job.error ?? error} />
      {j && (
        <>
          <dl className="facts">
            <dt>State</dt>
            <dd className={`state ${j.state}`} data-testid="job-state">{j.state}</dd>
            <dt>Type</dt>
            <dd>{j.type}</dd>
            <dt>Clusters</dt>
            <dd>{j.scheduler_cluster_ids.length ? j.scheduler_cluster_ids.join(", ") : "all"}</dd>
            <dt>Created</dt>
            <dd>{formatTime(j.created_at)}</dd>
            <dt>Finished</dt>
            <dd>{formatTime(j.finished_at)}</dd>
            {j.reason && (
              <>
                <dt>Reason</dt>
                <dd>{j.reason}</dd>
              </>
            )}
          </dl>
          <details>
            <summary>Arguments</summary>
            <pre>{JSON.stringify(j.args, null, 2)}</pre>
          </details>
          <div className="actions">
            <Guarded allowed={can} permission="job:write" disabled={finished.includes(j.state)} onClick={() => act("POST", `/api/v1/jobs/${id}/cancel`)}>
              Stop
            </Guarded>
            <Guarded allowed={can} permission="job:write" disabled={!finished.includes(j.state)} onClick={() => act("POST", `/api/v1/jobs/${id}/copy`, (r) => navigate(`/jobs/${r.id}`))}>
              Copy
            </Guarded>
            <Guarded allowed={can} permission="job:write" onClick={() => confirm(`Delete job ${id}?`) && act("DELETE", `/api/v1/jobs/${id}`, () => navigate("/jobs"))}>
              Delete
            </Guarded>
          </div>
          <h2>Per-host results {live && <small className="muted">(refreshing)</small>}</h2>
          <table aria-label="per-host results">
            <Head cols={["Cluster", "Host", "IP", "Result", "Bytes", "Time", "From", "URL"]} />
            <tbody>
              {results.flatMap((r, i) => [
                ...(r.success_tasks ?? []).map((t, k) => (
                  <tr key={`s${i}-${k}`}>
                    <td>{r.scheduler_cluster_id}</td>
                    <td>{t.hostname}</td>
                    <td>{t.ip}</td>
                    <td className="state SUCCESS">success</td>
                    <td>{formatBytes(t.bytes)}</td>
                    <td>{t.duration_ms} ms</td>
                    <td>{t.source}</td>
                    <td className="url">{t.url}</td>
                  </tr>
                )),
                ...(r.failure_tasks ?? []).map((t, k) => (
                  <tr key={`f${i}-${k}`}>
                    <td>{r.scheduler_cluster_id}</td>
                    <td>{t.hostname}</td>
                    <td>{t.ip}</td>
                    <td className="state FAILURE">{t.description}</td>
                    <td colSpan={3} />
                    <td className="url">{t.url}</td>
                  </tr>
                )),
                ...(r.error
                  ? [
                      <tr key={`e${i}`}>
                        <td>{r.scheduler_cluster_id}</td>
                        <td colSpan={7} className="state FAILURE">
                          {r.error}
                        </td>
                      </tr>,
                    ]
                  : []),
              ])}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
