// Analytics: downloads and jobs over the last hour, day or week (GET /api/v1/analytics/downloads
// and …/jobs), as charts with their numbers, and the downloads of each cluster. A manager that does
// not record analytics answers 404: the page says so instead of drawing empty charts.
import { useState } from "react";
import { api, ApiError, apiPage } from "../api";
import type { Cluster } from "../types";
import { type AnalyticsAnswer, p2pShare, queryOf, type RangeKey, ranges, type Series, seriesOf, successRate, type Stats, windowOf } from "../analytics";
import { Chart, type Layer } from "../components/Chart";
import { DataTable, ErrorBox, formatBytes, useLoad } from "../ui";

const count = (v: number) => String(Math.round(v));
const pct = (v: number | null) => (v === null ? "—" : `${v}%`);
const ms = (v: number) => `${Math.round(v)} ms`;
const percentAxis = (v: number) => `${v}%`;

// Succeeded and failed as stacked bars, the success rate as a line (downloads and jobs alike).
const outcomeLayers = (s: Series): Layer[] => [
  { name: "succeeded", values: s.succeeded, kind: "bar", tone: 0 },
  { name: "failed", values: s.failed, kind: "bar", tone: 1 },
  { name: "success rate", values: s.successRate, kind: "line", axis: "right", tone: 2 },
];

// The answer of `path`, or null when the manager has no such endpoint (404).
async function orMissing(path: string): Promise<AnalyticsAnswer | null> {
  try {
    return await api<AnalyticsAnswer>("GET", path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

function Totals({ s, jobs }: { s: Stats; jobs?: Stats }) {
  return (
    <dl className="facts" aria-label="totals">
      <dt>Downloads</dt>
      <dd>{s.count} ({pct(successRate(s))} succeeded)</dd>
      <dt>Distribution time</dt>
      <dd>p50 {ms(s.p50_ms)}, p95 {ms(s.p95_ms)}</dd>
      <dt>Bytes</dt>
      <dd>{formatBytes(s.bytes_total ?? 0)}, {pct(p2pShare(s))} from peers</dd>
      {jobs && (
        <>
          <dt>Jobs</dt>
          <dd>{jobs.count} ({pct(successRate(jobs))} succeeded)</dd>
        </>
      )}
    </dl>
  );
}

export function Analytics() {
  const [range, setRange] = useState<RangeKey>("24h");
  const [cluster, setCluster] = useState(0);
  const clusters = useLoad(() => apiPage<Cluster>("/api/v1/scheduler-clusters", 1, 100), []);
  const data = useLoad(async () => {
    const w = windowOf(range, Date.now());
    const [downloads, jobs] = await Promise.all([
      orMissing("/api/v1/analytics/downloads" + queryOf(w, cluster || undefined)),
      orMissing("/api/v1/analytics/jobs" + queryOf(w)),
    ]);
    return { w, downloads, jobs };
  }, [range, cluster], 60000);
  const d = data.data;
  const dl = d?.downloads ? seriesOf(d.downloads, d.w) : undefined;
  const jobs = d?.jobs ? seriesOf(d.jobs, d.w) : undefined;

  return (
    <section>
      <h1>Analytics</h1>
      <div className="filters">
        <label>
          Range{" "}
          <select value={range} onChange={(e) => setRange(e.target.value as RangeKey)}>
            {(Object.keys(ranges) as RangeKey[]).map((k) => (
              <option key={k} value={k}>{ranges[k].label}</option>
            ))}
          </select>
        </label>
        <label>
          Cluster{" "}
          <select value={cluster} onChange={(e) => setCluster(Number(e.target.value))}>
            <option value={0}>every cluster</option>
            {clusters.data?.items.map((c) => (
              <option key={c.id} value={c.id}>{c.name}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={data.error ?? clusters.error} />
      {d && !d.downloads && !d.jobs && (
        <p className="card notice" role="status">
          No analytics data recorded by this manager: it does not serve /api/v1/analytics (a version without
          download and job analytics).
        </p>
      )}
      {d?.downloads && <Totals s={d.downloads.totals} jobs={d.jobs?.totals} />}
      {dl && (
        <>
          <Chart id="downloads" caption="Downloads per bucket and success rate" labels={dl.labels} format={count}
            formatRight={percentAxis} layers={outcomeLayers(dl)} />
          <Chart id="times" caption="Distribution time (p50 and p95)" labels={dl.labels} format={ms}
            layers={[
              { name: "p50", values: dl.p50, kind: "line", tone: 0 },
              { name: "p95", values: dl.p95, kind: "line", tone: 3 },
            ]} />
          <Chart id="bytes" caption="Bytes from peers and from the origin, and P2P share" labels={dl.labels} format={formatBytes} binary
            formatRight={percentAxis}
            layers={[
              { name: "from peers", values: dl.peers, kind: "bar", tone: 0 },
              { name: "from the origin", values: dl.origin, kind: "bar", tone: 3 },
              { name: "P2P share", values: dl.share, kind: "line", axis: "right", tone: 2 },
            ]} />
        </>
      )}
      {jobs && (
        <Chart id="jobs" caption="Jobs per bucket and success rate (every cluster)" labels={jobs.labels} format={count}
          formatRight={percentAxis} layers={outcomeLayers(jobs)} />
      )}
      {d?.downloads?.clusters && (
        <>
          <h2>Per cluster</h2>
          <DataTable
            label="downloads per cluster"
            cols={["Cluster", "Downloads", "Success rate", "p50", "p95", "Bytes", "P2P share"]}
            rows={d.downloads.clusters}
            rowKey={(c) => c.cluster_id}
            empty="No download in this range."
            cells={(c) => (
              <>
                <td>{c.name || c.cluster_id}</td>
                <td>{c.count}</td>
                <td>{pct(successRate(c))}</td>
                <td>{ms(c.p50_ms)}</td>
                <td>{ms(c.p95_ms)}</td>
                <td>{formatBytes(c.bytes_total ?? 0)}</td>
                <td>{pct(p2pShare(c))}</td>
              </>
            )}
          />
        </>
      )}
    </section>
  );
}
