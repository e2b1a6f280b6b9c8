// One job: its state and per-host results, polled every 2 s while it runs; cancel, copy, delete.
import { api } from "../api";
import { Link, navigate } from "../router";
import type { Job } from "../types";
import { ErrorBox, Guarded, useAction } from "../ui";
import { finishedStates, HostResults, JobFacts, useJob } from "../components/JobResults";

export function JobDetail({ id }: { id: number }) {
  const { job: j, error, live, follow } = useJob(id);
  const action = useAction();
  const act = (method: string, path: string, after: (r: Job) => void) => action.run(async () => after(await api<Job>(method, path)));
  const finished = j !== undefined && finishedStates.includes(j.state);

  return (
    <section>
      <p>
        <Link href="/jobs">← Jobs</Link>
      </p>
      <h1>Job {id}</h1>
      <ErrorBox error={error ?? action.error} />
      {j && (
        <>
          <JobFacts job={j} live={live} testId="job-state" />
          <details>
            <summary>Arguments</summary>
            <pre>{JSON.stringify(j.args, null, 2)}</pre>
          </details>
          <div className="actions">
            <Guarded permission="job:write" disabled={finished} onClick={() => act("POST", `/api/v1/jobs/${id}/cancel`, follow)}>
              Stop
            </Guarded>
            <Guarded permission="job:write" disabled={!finished} onClick={() => act("POST", `/api/v1/jobs/${id}/copy`, (r) => navigate(`/jobs/${r.id}`))}>
              Copy
            </Guarded>
            <Guarded permission="job:write" onClick={() => confirm(`Delete job ${id}?`) && act("DELETE", `/api/v1/jobs/${id}`, () => navigate("/jobs"))}>
              Delete
            </Guarded>
          </div>
          <h2>Per-host results</h2>
          <HostResults job={j} label="per-host results" />
        </>
      )}
    </section>
  );
}
