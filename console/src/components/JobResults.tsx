// A job followed live (polled until it ends) and its per-host results as a table: the job page
// and the task search page share both.
import { useState } from "react";
import { api } from "../api";
import type { Job } from "../types";
import { formatBytes, formatTime, useLoad } from "../ui";
import { DataTable } from "./DataTable";

/** The states a job ends in. */
export const finishedStates = ["SUCCESS", "FAILURE", "CANCELED"];

/** Job `id` (none: nothing), polled every `pollMs` until it ends; `follow()` polls again (after a cancel). */
export function useJob(id: number | undefined, pollMs = 2000) {
  const [live, setLive] = useState(true);
  const job = useLoad(
    async () => {
      if (id === undefined) return undefined;
      const j = await api<Job>("GET", `/api/v1/jobs/${id}`);
      setLive(!finishedStates.includes(j.state));
      return j;
    },
    [id],
    live && id !== undefined ? pollMs : 0,
  );
  const follow = () => {
    setLive(true);
    job.reload();
  };
  return { job: job.data?.id === id ? job.data : undefined, error: job.error, live, follow };
}

interface HostRow {
  key: string;
  cluster: number;
  hostname: string;
  ip: string;
  ok: boolean;
  text: string;
  bytes?: number;
  ms?: number;
  source?: string;
  url: string;
}

// One row per host result (success or failure) and one per cluster that failed as a whole.
function rowsOf(j: Job): HostRow[] {
  const results = j.result?.job_states?.flatMap((s) => s.results ?? []) ?? [];
  return results.flatMap((r, i) => [
    ...(r.success_tasks ?? []).map((t, k) => ({
      key: `s${i}-${k}`, cluster: r.scheduler_cluster_id, hostname: t.hostname, ip: t.ip, ok: true,
      text: "success", bytes: t.bytes, ms: t.duration_ms, source: t.source, url: t.url,
    })),
    ...(r.failure_tasks ?? []).map((t, k) => ({
      key: `f${i}-${k}`, cluster: r.scheduler_cluster_id, hostname: t.hostname, ip: t.ip, ok: false,
      text: t.description, url: t.url,
    })),
    ...(r.error ? [{ key: `e${i}`, cluster: r.scheduler_cluster_id, hostname: "—", ip: "", ok: false, text: r.error, url: "" }] : []),
  ]);
}

/** The per-host results of job `j` (`okText` names a success, e.g. "holds it"). */
export function HostResults({ job, label, okText = "success", empty }: { job: Job; label: string; okText?: string; empty?: string }) {
  return (
    <DataTable
      label={label}
      cols={["Cluster", "Host", "IP", "Result", "Bytes", "Time", "From", "URL"]}
      rows={rowsOf(job)}
      rowKey={(r) => r.key}
      empty={empty ?? "No host results."}
      cells={(r) => (
        <>
          <td>{r.cluster}</td>
          <td>{r.hostname}</td>
          <td>{r.ip}</td>
          <td className={`state ${r.ok ? "SUCCESS" : "FAILURE"}`}>{r.ok ? okText : r.text}</td>
          <td>{r.bytes !== undefined ? formatBytes(r.bytes) : ""}</td>
          <td>{r.ms !== undefined ? `${r.ms} ms` : ""}</td>
          <td>{r.source ?? ""}</td>
          <td className="url">{r.url}</td>
        </>
      )}
    />
  );
}

/** Job `job`'s facts: state (marked `testId` for tests), type, clusters, times, the reason it failed. */
export function JobFacts({ job, live, testId }: { job: Job; live: boolean; testId: string }) {
  return (
    <dl className="facts">
      <dt>State</dt>
      <dd className={`state ${job.state}`} data-testid={testId}>
        {job.state}
        {live && <small className="muted"> (refreshing)</small>}
      </dd>
      <dt>Type</dt>
      <dd>{job.type}</dd>
      <dt>Clusters</dt>
      <dd>{job.scheduler_cluster_ids.length ? job.scheduler_cluster_ids.join(", ") : "all"}</dd>
      <dt>Created</dt>
      <dd>{formatTime(job.created_at)}</dd>
      <dt>Finished</dt>
      <dd>{formatTime(job.finished_at)}</dd>
      {job.reason && (
        <>
          <dt>Reason</dt>
          <dd>{job.reason}</dd>
        </>
      )}
    </dl>
  );
}
