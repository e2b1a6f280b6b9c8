// The Analytics page's data shaping, pure (tested by tests/analytics_shape.test.mjs): the query of
// a time range, the API's sparse buckets made a dense series, success rates and the P2P share.

/** The figures of one time bucket (or of a total) of downloads or jobs. */
export interface Stats {
  count: number;
  succeeded: number;
  failed: number;
  p50_ms: number;
  p95_ms: number;
  bytes_total?: number;
  bytes_from_peers?: number;
  bytes_from_origin?: number;
}

/** One bucket: its start (RFC 3339) and its figures. */
export interface Bucket extends Stats {
  start: string;
}

/** One cluster's totals (GET /api/v1/analytics/downloads, "clusters"). */
export interface ClusterStats extends Stats {
  cluster_id: number;
  name: string;
}

/** GET /api/v1/analytics/downloads and …/jobs (the jobs answer has no "clusters" nor bytes). */
export interface AnalyticsAnswer {
  bucket: number;
  buckets: Bucket[];
  totals: Stats;
  clusters?: ClusterStats[];
}

/** The ranges the page offers and the bucket size each asks for. */
export const ranges = {
  "1h": { label: "last hour", seconds: 3600, bucket: 300 },
  "24h": { label: "last 24 hours", seconds: 86400, bucket: 3600 },
  "7d": { label: "last 7 days", seconds: 7 * 86400, bucket: 6 * 3600 },
} as const;

/** A key of `ranges`. */
export type RangeKey = keyof typeof ranges;

/** A time window: [from, to) in ms since the epoch, cut in buckets of `bucket` seconds. */
export interface Window {
  from: number;
  to: number;
  bucket: number;
}

/** The window of `range` ending at the bucket boundary after `now` (ms). */
export function windowOf(range: RangeKey, now: number): Window {
  const { seconds, bucket } = ranges[range];
  const step = bucket * 1000;
  const to = Math.ceil(now / step) * step;
  return { from: to - seconds * 1000, to, bucket };
}

/** RFC 3339 in UTC without milliseconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The query string of window `w` (and `clusterId` when given) for the analytics endpoints. */
export function queryOf(w: Window, clusterId?: number): string {
  const q = new URLSearchParams({ from: rfc3339(w.from), to: rfc3339(w.to), bucket: String(w.bucket) });
  if (clusterId) q.set("cluster_id", String(clusterId));
  return "?" + q.toString();
}

/** `part` as a percentage of `whole` (one decimal), null when `whole` is 0. */
export function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((1000 * part) / whole) / 10 : null;
}

/** The share of bytes that came from peers rather than the origin, in percent (null: no bytes). */
export function p2pShare(s: Stats): number | null {
  const peers = s.bytes_from_peers ?? 0;
  return percent(peers, peers + (s.bytes_from_origin ?? 0));
}

/** The success rate of `s` in percent (null: nothing counted). */
export function successRate(s: Stats): number | null {
  return percent(s.succeeded, s.count);
}

const zero: Stats = { count: 0, succeeded: 0, failed: 0, p50_ms: 0, p95_ms: 0, bytes_total: 0, bytes_from_peers: 0, bytes_from_origin: 0 };

/** Every bucket of window `w` in order, the ones the API left out (nothing happened) as zeros;
 *  a bucket the API gives off the grid is kept in its place. */
export function dense(buckets: Bucket[], w: Window): Bucket[] {
  const step = w.bucket * 1000;
  const byStart = new Map<number, Bucket>();
  for (const b of buckets) {
    const t = Date.parse(b.start);
    if (Number.isFinite(t)) byStart.set(t, b);
  }
  for (let t = Math.floor(w.from / step) * step; t < w.to; t += step) {
    if (!byStart.has(t)) byStart.set(t, { ...zero, start: rfc3339(t) });
  }
  return [...byStart.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
}

/** A bucket's label: "HH:MM" (UTC) for buckets under 6 h, "MM-DD HH:00" (UTC) otherwise. */
export function bucketLabel(start: string, bucket: number): string {
  const iso = rfc3339(Date.parse(start));
  return bucket < 6 * 3600 ? iso.slice(11, 16) : `${iso.slice(5, 10)} ${iso.slice(11, 13)}:00`;
}

/** The series the charts draw, one value per bucket (null: nothing to say for that bucket). */
export interface Series {
  labels: string[];
  succeeded: number[];
  failed: number[];
  successRate: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
  peers: number[];
  origin: number[];
  share: (number | null)[];
}

/** The answer's buckets over window `w` as chart series. */
export function seriesOf(answer: AnalyticsAnswer, w: Window): Series {
  const all = dense(answer.buckets ?? [], w);
  const timed = (b: Bucket, v: number) => (b.count > 0 ? v : null);  // no download: no time
  return {
    labels: all.map((b) => bucketLabel(b.start, w.bucket)),
    succeeded: all.map((b) => b.succeeded),
    failed: all.map((b) => b.failed),
    successRate: all.map(successRate),
    p50: all.map((b) => timed(b, b.p50_ms)),
    p95: all.map((b) => timed(b, b.p95_ms)),
    peers: all.map((b) => b.bytes_from_peers ?? 0),
    origin: all.map((b) => b.bytes_from_origin ?? 0),
    share: all.map(p2pShare),
  };
}
