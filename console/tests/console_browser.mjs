// Drives the console in Debian's headless Chromium (playwright-core, no browser download) against
// a running dfmanager; started by tests/integration/test_console_browser.py, which checks its exit
// status. Every step waits on a condition (locator auto-waiting, expect-style polling), never on
// a fixed sleep. Screenshots of each page go to SCREENSHOT_DIR (docs/console.md shows them).
//
//   CONSOLE_URL=http://127.0.0.1:PORT ROOT_PASSWORD=… SCREENSHOT_DIR=… node console_browser.mjs SCENARIO
//
// Scenarios: "signin" — the page loads under its CSP and a wrong password is refused inline;
// "full" — root signs in, sees the clusters, a bad CIDR is refused inline, a valid cluster is
// created, a file preheat is followed, copied and deleted; on Tasks bad input is refused inline,
// a search and a deletion run as jobs and their results are shown; the navigation and the task
// form are reached with Tab and show their focus; every page passes axe-core (no serious or
// critical violation); a guest user is made; the guest
// finds every create, edit and delete control absent (clusters, jobs, a job's page, tasks, roles,
// tokens) and a forced API write refused (403); the audit page lists the earlier writes;
// "swarm" — against a manager with a real swarm (CLUSTER, HOSTS, FILE_URL, HELD_URL from the
// Python test): root sees every host, the scheduler and the seed peer appear, preheats FILE_URL to
// every peer of CLUSTER from the form and watches it end SUCCESS with one row per host, starts a
// preheat of HELD_URL (the origin holds it), stops it from the job's page (CANCELED), and finds
// both in the audit log; on Analytics it waits for the swarm's downloads to be counted and drawn as
// four charts from the manager's own records, then draws sample answers (the API routed in the browser) as four
// captioned charts with their numbers, totals and a per-cluster table, filtered by cluster.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const base = process.env.CONSOLE_URL;
const rootPassword = process.env.ROOT_PASSWORD ?? "";
const shots = process.env.SCREENSHOT_DIR ?? "";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const scenario = process.argv[2] ?? "full";
const timeout = 15000;
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const guest = { name: "guest-1", password: "guest-password-42" };

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

// Polls `f` until it returns a truthy value (or throws after `timeout`).
async function eventually(f, what) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await f();
    if (v) return check(true, what);
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Runs axe-core (a devDependency, injected here, never in the bundle) on the page as it stands and
// fails on any violation of impact serious or critical. The console's CSP refuses inline scripts,
// so page.addScriptTag cannot add it; it is evaluated through the DevTools protocol instead (which
// the CSP does not cover), and the page keeps its real CSP for the checks that follow.
async function accessible(page, name) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  });
  check(violations.length === 0, `axe finds no serious or critical violation on ${name}${violations.length ? ":\n  " + violations.join("\n  ") : ""}`);
}

// The check can fail: axe finds the unlabelled field and the nameless button of a bad page.
async function accessibleCanFail(browser) {
  const page = await browser.newPage();
  await page.setContent('<main><h1>bad</h1><input type="text"><button></button></main>');
  await page.evaluate(axeSource);
  const ids = await page.evaluate(async () => (await window.axe.run(document)).violations.map((v) => v.id));
  await page.close();
  check(ids.includes("label") && ids.includes("button-name"), `axe finds the violations of a bad page (${ids.join(", ")})`);
}

// Tabs through the page from the top (at most `limit` stops): what got the focus, in order, and
// whether each showed a visible focus outline.
async function tabStops(page, limit) {
  await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
  const stops = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    stops.push(await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      const name = el.getAttribute("aria-label") || (el.labels && el.labels[0]?.textContent) || el.textContent || "";
      return { name: name.trim(), tag: el.tagName, outlined: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 };
    }));
  }
  return stops;
}

// The main navigation and a form are reached with Tab alone, every stop with a visible outline,
// and the form is filled and sent from the keyboard.
async function keyboardSteps(page) {
  await go(page, "Tasks");
  const stops = await tabStops(page, 25);
  const names = stops.map((s) => s.name);
  for (const want of ["Skip to content", "Clusters", "Tasks", "Account", "URL", "Search"])
    check(names.includes(want), `Tab reaches ${want}`);
  const bare = stops.filter((s) => !s.outlined && s.tag !== "BODY");
  check(bare.length === 0, `every Tab stop shows a focus outline (${bare.map((s) => s.name).join(", ")})`);
  const url = page.getByRole("form", { name: "task search" }).getByRole("textbox", { name: "URL", exact: true });
  await url.focus();
  await page.keyboard.type("not a url");
  await page.keyboard.press("Enter");
  await page.locator(".invalid", { hasText: "not a URL" }).waitFor({ timeout });
  check(true, "the task search is filled and sent from the keyboard");
  await url.fill("");
}

// One page seen: checked for accessibility, then saved as `name`.png (1280x800) in SCREENSHOT_DIR.
async function shot(page, name) {
  await accessible(page, name);
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

async function signIn(page, name, password) {
  await page.goto(base + "/");
  await page.getByLabel("User name", { exact: true }).fill(name);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function signOut(page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor({ timeout });
}

async function go(page, section) {
  await page.getByRole("navigation", { name: "sections" }).getByRole("link", { name: section, exact: true }).click();
  await page.getByRole("heading", { level: 1 }).filter({ hasText: section }).first().waitFor({ timeout });
}

// Every button named in `names` is absent (not merely disabled) from the page's main area.
async function absent(page, names, where) {
  for (const name of names) {
    const n = await page.getByRole("main").getByRole("button", { name, exact: true }).count();
    check(n === 0, `the guest has no ${name} button ${where}`);
  }
}

async function signinScenario(page) {
  await page.goto(base + "/");
  await page.getByRole("button", { name: "Sign in" }).waitFor({ timeout });
  check(true, "the sign-in page renders");
  await shot(page, "signin");
  await signIn(page, "root", "not-the-password-at-all");
  await page.getByRole("alert").waitFor({ timeout });
  check((await page.getByRole("alert").textContent()).includes("401"), "a wrong password is refused inline (401)");
}

// A file preheat to hz-1 (which has no scheduler, so it fails saying so): created from the form,
// watched on its detail page until it ends, copied, and the copy deleted.
async function jobSteps(page) {
  await go(page, "Jobs");
  await page.getByRole("button", { name: "New preheat" }).click();
  const form = page.getByRole("form", { name: "new preheat" });
  await form.getByLabel("File URLs").fill("http://127.0.0.1:9/never.bin");
  await form.getByRole("checkbox", { name: "hz-1", exact: true }).check();
  await form.getByRole("button", { name: "Create preheat" }).click();
  const state = page.getByTestId("job-state");
  await eventually(async () => ["FAILURE", "SUCCESS"].includes(((await state.textContent().catch(() => "")) ?? "").trim()),
    "the new job's page follows it until it ends");
  const first = page.url();
  await accessible(page, "a failed job");  // the swarm scenario takes job.png with real hosts
  await page.getByRole("button", { name: "Copy" }).click();
  await eventually(async () => page.url() !== first && /\/jobs\/\d+$/.test(page.url()), "Copy opens the new job");
  await page.getByRole("heading", { name: /^Job \d+$/ }).waitFor({ timeout });
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("heading", { name: "Jobs" }).waitFor({ timeout });
  const copyId = page.url();
  check(/\/jobs$/.test(copyId), "Delete returns to the list");
  await shot(page, "jobs");
}

// Task search: bad input is refused inline (no job made); a search by URL runs a get_task job that
// ends (no scheduler is connected, so it fails saying so) and shows its result without an error;
// "Delete everywhere" runs a delete_task job after a confirm dialog.
async function taskSteps(page) {
  await go(page, "Tasks");
  const form = page.getByRole("form", { name: "task search" });
  const url = form.getByRole("textbox", { name: "URL", exact: true });
  const search = form.getByRole("button", { name: "Search" });
  const invalid = async (field, text, what) => {
    await search.click();
    await form.locator(".invalid", { hasText: text }).waitFor({ timeout });
    check((await field.getAttribute("aria-invalid")) === "true", `${what} is refused inline: ${text}`);
  };
  await invalid(url, "required", "an empty URL");
  await url.fill("not a url");
  await invalid(url, "not a URL", "a URL that does not parse");
  await url.fill("ftp://127.0.0.1/x");
  await invalid(url, "not an http(s) URL", "a URL that is not http(s)");
  await form.getByRole("radio", { name: "Task ID" }).check();
  const id = form.getByRole("textbox", { name: "Task ID", exact: true });
  await invalid(id, "required", "an empty task ID");
  await id.fill("abc123");
  await invalid(id, "64 hex digits", "a task ID that is not 64 hex digits");
  check((await page.getByRole("region", { name: "Search" }).count()) === 0, "bad input makes no job");
  await shot(page, "tasks-invalid");

  await form.getByRole("radio", { name: "URL" }).check();
  await url.fill("http://127.0.0.1:9/never.bin");
  await form.getByLabel("Tag").fill("console-test");
  await search.click();
  const ended = async (testid) => {
    const state = page.getByTestId(testid);
    await eventually(async () => /^(SUCCESS|FAILURE|CANCELED)/.test(((await state.textContent().catch(() => "")) ?? "").trim()),
      `the ${testid.replace("-state", "")} job ends and the page shows its state`);
  };
  await ended("get_task-state");
  const result = page.getByRole("region", { name: "Search" });
  await result.getByRole("table", { name: "Search hosts" }).waitFor({ timeout });
  check((await form.getByRole("alert").count()) === 0, "the search is shown without an error");
  await shot(page, "tasks");
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete everywhere" }).click();
  await ended("delete_task-state");
  await page.getByRole("table", { name: "Deletion hosts" }).waitFor({ timeout });
  check((await page.getByRole("alert").count()) === 0, "the deletion is shown without an error");
}

async function fullScenario(page) {
  await signIn(page, "root", rootPassword);
  await page.getByRole("heading", { name: "Clusters" }).waitFor({ timeout });
  await page.getByRole("cell", { name: "cluster-1" }).waitFor({ timeout });
  check(true, "root signs in and sees the default cluster");
  await shot(page, "clusters");

  await page.getByRole("button", { name: "New cluster" }).click();
  const form = page.getByRole("form", { name: "new cluster" });
  await form.getByLabel("Name", { exact: true }).fill("hz-1");
  await form.getByLabel("CIDRs").fill("10.8.0.0/33");
  await form.getByRole("button", { name: "Create cluster" }).click();
  await form.getByRole("alert").waitFor({ timeout });
  const message = await form.getByRole("alert").textContent();
  check(message.includes("cidrs") && message.includes("400"), `a bad CIDR is refused inline: ${message}`);
  await shot(page, "cluster-invalid");
  await form.getByLabel("CIDRs").fill("10.8.0.0/16");
  await form.getByRole("button", { name: "Create cluster" }).click();
  await page.getByRole("cell", { name: "hz-1" }).waitFor({ timeout });
  check(true, "a valid cluster is created and listed");
  check((await page.getByRole("main").getByRole("button", { name: "Edit", exact: true }).count()) >= 2,
    "root has an Edit button on every cluster (what the guest must lack)");

  for (const section of ["Schedulers", "Seed peers", "Hosts"]) {
    await go(page, section);
    await accessible(page, `${section} (empty)`);  // the swarm scenario takes their screenshots
  }
  await jobSteps(page);
  await keyboardSteps(page);
  await taskSteps(page);

  await go(page, "Users");
  await page.getByRole("button", { name: "New user" }).click();
  const userForm = page.getByRole("form", { name: "new user" });
  await userForm.getByLabel("Name", { exact: true }).fill(guest.name);
  await userForm.getByLabel("Password", { exact: true }).fill(guest.password);
  await userForm.getByRole("checkbox", { name: "guest", exact: true }).check();
  await userForm.getByRole("button", { name: "Create user" }).click();
  await page.getByRole("cell", { name: guest.name, exact: true }).waitFor({ timeout });
  check(true, "a guest user is created");
  await shot(page, "users");
  await signOut(page);

  await signIn(page, guest.name, guest.password);
  await page.getByRole("heading", { name: "Clusters" }).waitFor({ timeout });
  await page.getByRole("cell", { name: "hz-1" }).waitFor({ timeout });
  await absent(page, ["New cluster", "Edit", "Delete"], "on Clusters");
  await go(page, "Jobs");
  await absent(page, ["New preheat"], "on Jobs");
  await page.getByRole("link", { name: /^\d+$/ }).first().click();
  await page.getByTestId("job-state").waitFor({ timeout });
  await absent(page, ["Stop", "Copy", "Delete"], "on a job's page");
  await go(page, "Tasks");
  await absent(page, ["Search", "Delete everywhere"], "on Tasks");
  await go(page, "Roles");
  await absent(page, ["Create role", "Edit", "Delete"], "on Roles");
  await go(page, "Access tokens");
  await absent(page, ["Create token", "Revoke"], "on Access tokens");
  await go(page, "Users");
  const forced = await page.evaluate(async () => {
    const me = await (await fetch("/api/v1/users/me")).json();
    const r = await fetch("/api/v1/scheduler-clusters", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf_token },
      body: JSON.stringify({ name: "guest-was-here" }),
    });
    return r.status;
  });
  check(forced === 403, `a forced API write by the guest is refused: ${forced}`);
  await signOut(page);

  await signIn(page, "root", rootPassword);
  await page.getByRole("heading", { name: "Clusters" }).waitFor({ timeout });
  await go(page, "Audit");
  const rows = page.getByRole("row");
  await eventually(async () => {
    const text = (await rows.allTextContents()).join("\n");
    return text.includes("POST /api/v1/scheduler-clusters") && text.includes("POST /api/v1/users") && text.includes("403");
  }, "the audit page lists the cluster and user writes and the guest's refused one");
  await shot(page, "audit");
  for (const section of ["Roles", "Access tokens", "Account"]) {
    await go(page, section);
    await shot(page, section.toLowerCase().replace(" ", "-"));
  }
}

// The component pages poll every 10 s; reloading is quicker: `section` is shown again until every
// name in `names` is a cell of its table.
async function showsAll(page, section, names) {
  await eventually(async () => {
    await go(page, section);
    await page.getByRole("table").first().waitFor({ timeout });
    const cells = await page.getByRole("cell").allTextContents();
    return names.every((n) => cells.includes(n));
  }, `${section} lists ${names.join(", ")}`);
}

async function newPreheat(page, url, cluster) {
  await go(page, "Jobs");
  await page.getByRole("button", { name: "New preheat" }).click();
  const form = page.getByRole("form", { name: "new preheat" });
  await form.getByLabel("File URLs").fill(url);
  await form.getByLabel("Scope").selectOption("all_peers");
  await form.getByRole("checkbox", { name: cluster, exact: true }).check();
  await form.getByRole("button", { name: "Create preheat" }).click();
  await page.getByRole("heading", { name: /^Job \d+$/ }).waitFor({ timeout });
  return page.url();
}

// The job page's state word (without " (refreshing)").
async function jobState(page) {
  return ((await page.getByTestId("job-state").textContent().catch(() => "")) ?? "").trim().split(" ")[0];
}

// Sample analytics answers over the 24-hour window ending at the next full hour (some hours
// empty), the cluster totals of `cluster` giving a P2P share of 75 %.
function sampleAnalytics(path, cluster) {
  const hour = 3600 * 1000;
  const from = Math.ceil(Date.now() / hour) * hour - 24 * hour;
  const iso = (t) => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
  const jobs = path.includes("/jobs");
  const buckets = [];
  for (let i = 0; i < 24; i++) {
    if (i % 5 === 3) continue;
    const count = jobs ? 1 + (i % 3) : 20 + i;
    const failed = jobs ? (i % 7 === 0 ? 1 : 0) : i % 4;
    buckets.push({ start: iso(from + i * hour), count, succeeded: count - failed, failed, p50_ms: 100 + 5 * i, p95_ms: 400 + 20 * i,
      ...(jobs ? {} : { bytes_total: (i + 20) << 20, bytes_from_peers: (i + 10) << 20, bytes_from_origin: 10 << 20 }) });
  }
  const totals = { count: 300, succeeded: 290, failed: 10, p50_ms: 120, p95_ms: 800 };
  const gib = 2 ** 30;  // (not 1 << 30: JavaScript shifts are 32-bit)
  const bytes = { bytes_total: 4 * gib, bytes_from_peers: 3 * gib, bytes_from_origin: gib };
  if (jobs) return { bucket: 3600, buckets, totals };
  return { bucket: 3600, buckets, totals: { ...totals, ...bytes }, clusters: [{ cluster_id: 2, name: cluster, ...totals, ...bytes }] };
}

const chartCaptions = ["Downloads per bucket and success rate", "Distribution time (p50 and p95)",
  "Bytes from peers and from the origin, and P2P share", "Jobs per bucket and success rate (every cluster)"];

async function analyticsSteps(page, cluster) {
  // The swarm's downloads reach the manager with the scheduler's next keepalive: reload until the
  // totals count them, then the four charts are the manager's own.
  const totals = page.getByRole("definition").first();
  await eventually(async () => {
    await go(page, "Analytics");
    await page.getByRole("figure").first().waitFor({ timeout: 5000 }).catch(() => {});
    const n = parseInt(((await totals.count()) ? await totals.textContent() : "0") || "0", 10);
    return n > 0;
  }, "Analytics counts the swarm's downloads recorded by the manager");
  check((await page.getByText("No analytics data recorded by this manager").count()) === 0 &&
    (await page.getByRole("figure").count()) === chartCaptions.length, "the manager's answer draws every chart");
  await accessible(page, "analytics (the manager's answer)");

  const asked = [];
  await page.route("**/api/v1/analytics/**", (route) => {
    asked.push(route.request().url());
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(sampleAnalytics(route.request().url(), cluster)) });
  });
  await go(page, "Jobs");
  await go(page, "Analytics");
  for (const caption of chartCaptions) await page.getByRole("figure", { name: caption, exact: true }).waitFor({ timeout });
  check(true, "the sample answers are drawn as four captioned charts");
  check(asked.some((u) => u.includes("/analytics/downloads?") && u.includes("bucket=3600") && !u.includes("cluster_id")),
    "the last 24 hours are asked in hourly buckets over every cluster");
  check((await page.getByLabel("totals").textContent()).includes("75% from peers"), "the totals give the P2P share");
  const bytes = page.getByRole("figure", { name: chartCaptions[2], exact: true });
  await bytes.getByText(/^Numbers:/).click();
  const numbers = bytes.getByRole("table");
  check((await numbers.getByRole("row").count()) === 25, "the bytes chart's numbers have a row per hour");
  check((await numbers.getByRole("row").nth(1).textContent()).includes("50%"), "the first hour's P2P share is 50% (10 MiB of 20 MiB)");
  await bytes.getByText(/^Numbers:/).click();  // closed again for the screenshot
  const row = page.getByRole("table", { name: "downloads per cluster" }).getByRole("row", { name: new RegExp(`^${cluster}\\b`) });
  check((await row.textContent()).includes("75%") && (await row.textContent()).includes("96.7%"),
    "the per-cluster table gives the success rate and P2P share");
  await page.getByRole("combobox", { name: /^Cluster/ }).selectOption({ label: cluster });
  await eventually(async () => asked.some((u) => /cluster_id=2(&|$)/.test(u)), "the cluster filter asks for that cluster");
  await page.getByRole("combobox", { name: /^Range/ }).selectOption("7d");
  await eventually(async () => asked.some((u) => u.includes("bucket=21600")), "the 7-day range asks for 6-hour buckets");
  await page.getByRole("combobox", { name: /^Range/ }).selectOption("24h");
  await page.getByRole("figure", { name: chartCaptions[0], exact: true }).waitFor({ timeout });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "analytics");
  await page.unroute("**/api/v1/analytics/**");
}

async function swarmScenario(page) {
  const cluster = process.env.CLUSTER;
  const hosts = (process.env.HOSTS ?? "").split(",");
  await signIn(page, "root", rootPassword);
  await page.getByRole("heading", { name: "Clusters" }).waitFor({ timeout });
  await page.getByRole("cell", { name: cluster, exact: true }).waitFor({ timeout });
  await showsAll(page, "Hosts", hosts);
  await shot(page, "hosts");
  await showsAll(page, "Schedulers", ["sched", "active"]);
  await shot(page, "schedulers");
  await showsAll(page, "Seed peers", ["seed", "active"]);
  await shot(page, "seed-peers");

  await newPreheat(page, process.env.FILE_URL, cluster);
  await eventually(async () => ["SUCCESS", "FAILURE"].includes(await jobState(page)), "the swarm preheat ends");
  check((await jobState(page)) === "SUCCESS", "the preheat to every peer of the swarm succeeds");
  const table = page.getByRole("table", { name: "per-host results" });
  await eventually(async () => (await table.getByRole("row").count()) === hosts.length + 1, "one row per host");
  for (const host of hosts) {
    const row = table.getByRole("row").filter({ has: page.getByRole("cell", { name: host, exact: true }) });
    check((await row.count()) === 1 && (await row.getByRole("cell", { name: "success", exact: true }).count()) === 1,
      `${host} has a success row`);
  }
  await shot(page, "job");

  const held = await newPreheat(page, process.env.HELD_URL, cluster);
  await eventually(async () => (await jobState(page)) === "RUNNING", "the held preheat runs");
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  await eventually(async () => (await jobState(page)) === "CANCELED", "Stop cancels the running job");
  check(page.url() === held && (await page.getByRole("button", { name: "Stop", exact: true }).isDisabled()),
    "the stopped job stays on its page and cannot be stopped again");
  const heldId = held.split("/").pop();

  await go(page, "Audit");
  await eventually(async () => {
    const text = (await page.getByRole("row").allTextContents()).join("\n");
    return text.includes("POST /api/v1/jobs") && text.includes(`POST /api/v1/jobs/${heldId}/cancel`);
  }, "the audit page lists both preheats and the stop");
  await analyticsSteps(page, cluster);
}

const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems = [];
  page.on("console", (m) => {
    // Refused requests (the 401 before sign-in, the guest's 403) are expected; anything else is not.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  await accessibleCanFail(browser);
  if (scenario === "signin") await signinScenario(page);
  else if (scenario === "swarm") await swarmScenario(page);
  else await fullScenario(page);
  check(problems.length === 0, `no script errors or CSP violations in the page (${problems.join("; ")})`);
} catch (e) {
  failed = true;
  console.error(String(e.stack ?? e));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
