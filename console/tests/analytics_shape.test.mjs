// Unit tests of the Analytics page's data shaping (src/analytics.ts): node's own test runner, the
// module compiled with the TypeScript the build already uses (no Vitest, no loader). Run by
// tests/integration/test_console_browser.py: `node --test tests/analytics_shape.test.mjs`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

const source = readFileSync(new URL("../src/analytics.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2020 } }).outputText;
const dir = mkdtempSync(join(tmpdir(), "analytics-"));
writeFileSync(join(dir, "analytics.mjs"), js);
const a = await import(join(dir, "analytics.mjs"));
rmSync(dir, { recursive: true });

const hour = 3600 * 1000;
const now = Date.parse("2026-12-08T10:20:00Z");
const bucket = (start, more) => ({ start, count: 0, succeeded: 0, failed: 0, p50_ms: 0, p95_ms: 0, ...more });

test("each range asks for its bucket over a window ending on a bucket boundary", () => {
  const w = a.windowOf("24h", now);
  assert.deepEqual(w, { from: Date.parse("2026-12-07T11:00:00Z"), to: Date.parse("2026-12-08T11:00:00Z"), bucket: 3600 });
  assert.equal(a.queryOf(w), "?from=2026-12-07T11%3A00%3A00Z&to=2026-12-08T11%3A00%3A00Z&bucket=3600");
  assert.equal(a.queryOf(w, 3), "?from=2026-12-07T11%3A00%3A00Z&to=2026-12-08T11%3A00%3A00Z&bucket=3600&cluster_id=3");
  assert.equal(a.windowOf("1h", now).bucket, 300);
  assert.equal(a.windowOf("7d", now).bucket, 21600);
  assert.equal((a.windowOf("7d", now).to - a.windowOf("7d", now).from) / hour, 168);
});

test("missing buckets become zeros, in order, and an off-grid bucket keeps its place", () => {
  const w = { from: Date.parse("2026-12-08T00:00:00Z"), to: Date.parse("2026-12-08T04:00:00Z"), bucket: 3600 };
  const got = a.dense([bucket("2026-12-08T02:00:00Z", { count: 5, succeeded: 4, failed: 1 }),
                       bucket("2026-12-08T01:30:00Z", { count: 1, succeeded: 1 })], w);
  assert.deepEqual(got.map((b) => [b.start, b.count]), [
    ["2026-12-08T00:00:00Z", 0], ["2026-12-08T01:00:00Z", 0], ["2026-12-08T01:30:00Z", 1],
    ["2026-12-08T02:00:00Z", 5], ["2026-12-08T03:00:00Z", 0]]);
});

test("success rate and P2P share are percentages, null when there is nothing to divide", () => {
  assert.equal(a.successRate({ count: 8, succeeded: 7, failed: 1 }), 87.5);
  assert.equal(a.successRate({ count: 0, succeeded: 0, failed: 0 }), null);
  assert.equal(a.p2pShare({ bytes_from_peers: 300, bytes_from_origin: 100 }), 75);
  assert.equal(a.p2pShare({ bytes_from_peers: 1, bytes_from_origin: 2 }), 33.3);
  assert.equal(a.p2pShare({ bytes_from_peers: 0, bytes_from_origin: 0 }), null);
  assert.equal(a.p2pShare({}), null);
});

test("buckets become chart series with labels, empty buckets having no time nor rate", () => {
  const w = { from: Date.parse("2026-12-08T00:00:00Z"), to: Date.parse("2026-12-08T00:10:00Z"), bucket: 300 };
  const s = a.seriesOf({ bucket: 300, totals: {}, buckets: [bucket("2026-12-08T00:05:00Z",
    { count: 4, succeeded: 3, failed: 1, p50_ms: 120, p95_ms: 900, bytes_from_peers: 3, bytes_from_origin: 1 })] }, w);
  assert.deepEqual(s.labels, ["00:00", "00:05"]);
  assert.deepEqual(s.succeeded, [0, 3]);
  assert.deepEqual(s.failed, [0, 1]);
  assert.deepEqual(s.successRate, [null, 75]);
  assert.deepEqual(s.p50, [null, 120]);
  assert.deepEqual(s.p95, [null, 900]);
  assert.deepEqual(s.peers, [0, 3]);
  assert.deepEqual(s.origin, [0, 1]);
  assert.deepEqual(s.share, [null, 75]);
  assert.equal(a.bucketLabel("2026-12-08T06:00:00Z", 21600), "12-08 06:00");
});
