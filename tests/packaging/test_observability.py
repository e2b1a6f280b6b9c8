"""What operators watch, checked against what the binaries really export (docs/metrics.md,
deploy/grafana/dragonfly.json, deploy/prometheus/alerts.yaml): a swarm of real processes (dfmanager,
a dfscheduler and a seed peer and a peer that find each other through it) downloads a file, then
every /metrics is scraped. The metrics table must list exactly the metric families exported (name,
type, label names); every metric a dashboard panel or an alert rule queries must be exported, with
the labels its selectors match on; the alert file must have Prometheus's rule structure, and each
expression must pass a small PromQL tokenizer (and `promtool check rules` when promtool is
installed)."""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import configured  # noqa: E402
import manager as mg  # noqa: E402
import swarm as sw  # noqa: E402
import promql  # noqa: E402

ROOT = os.path.join(HERE, "..", "..")
TABLE = os.path.join(ROOT, "docs", "metrics.md")
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "dragonfly.json")
ALERTS = os.path.join(ROOT, "deploy", "prometheus", "alerts.yaml")
BINARIES = {"dragonfly_dfdaemon_": "dfdaemon", "dragonfly_scheduler_": "dfscheduler", "dragonfly_manager_": "dfmanager"}


def families(text):
    """Prometheus text → {family: (type, label names)}; `le` of histogram buckets is not a label."""
    types, labels = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            labels.setdefault(name, set())
        elif line and not line.startswith("#"):
            series = line.rsplit(" ", 1)[0]
            name = series.split("{", 1)[0]
            family = next((name[: -len(s)] for s in ("_bucket", "_sum", "_count")
                           if name.endswith(s) and types.get(name[: -len(s)]) == "histogram"), name)
            keys = set(re.findall(r'(\w+)="', series[len(name):])) - {"le"}
            labels.setdefault(family, set()).update(keys)
    return {name: (types.get(name, "untyped"), frozenset(labels[name])) for name in labels}


def table_rows(path):
    """docs/metrics.md → {family: (type, label names)} from rows like | `name` | type | `a`, `b` | … |."""
    rows = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"\|\s*`(dragonfly_\w+)`\s*\|\s*(\w+)\s*\|([^|]*)\|", line)
        if m:
            rows[m.group(1)] = (m.group(2), frozenset(re.findall(r"`(\w+)`", m.group(3))))
    return rows


def table_row(name, kind, labels):
    """A row to paste into docs/metrics.md for a family missing there."""
    return "| `%s` | %s | %s | … |" % (name, kind, ", ".join("`%s`" % l for l in sorted(labels)) or "—")


class Observability(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        try:
            cls.texts = cls.run_swarm(cls.s)
        except BaseException:
            cls.s.stop()
            raise
        cls.exported = {}
        for text in cls.texts:
            cls.exported.update(families(text))

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    @staticmethod
    def run_swarm(s):
        """Starts the swarm, downloads a file through it and returns the /metrics text of each process."""
        root = os.path.join(s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "a.bin"), 3 << 20, seed=61)
        s.start_origin(root)
        m = mg.start_manager(s, "dfmanager", mg.write_config(os.path.join(s.workdir, "dfmanager.yaml"),
                                                              os.path.join(s.workdir, "manager"), keepalive="1s"))
        token_file = os.path.join(s.workdir, "manager-token")
        with open(token_file, "w") as f:
            f.write(mg.TOKEN + "\n")
        section = configured.manager_section(m.port, token_file)
        _, _, scheduler_metrics = configured.start_scheduler(s, "dfscheduler", config="host: {hostname: sched}\n" + section)
        daemons = [configured.start_managed_daemon(
            s, name, configured.write_config(s, name + ".yaml", section), seed=(name == "seed"),
            extra=["--piece-size", "256KiB"]) for name in ("seed", "peer")]
        sw.wait_until(lambda: configured.metrics(scheduler_metrics).get("dragonfly_scheduler_hosts") == 2, 15,
                      "the seed and the peer to reach the scheduler the manager named")
        out = os.path.join(s.workdir, "a.out")
        r = s.dfget(daemons[1], s.origin_url("/files/a.bin"), out)
        assert r.returncode == 0, r.stderr + s.logs()
        m.ok("GET", "/api/v1/scheduler-clusters")
        texts = [sw.get("http://127.0.0.1:%d/metrics" % scheduler_metrics), sw.get(m.url("/metrics"))]
        texts += [sw.get("http://127.0.0.1:%d/metrics" % d.upload_port) for d in daemons]
        # The download moved the latency histograms it passes through (a seed's pieces come from
        # the origin, the peer's from the seed).
        peer, seed = daemons[1].metrics(), daemons[0].metrics()
        assert peer['dragonfly_dfdaemon_piece_download_duration_seconds_count{source="seed"}'] > 0, peer
        assert peer['dragonfly_dfdaemon_task_duration_seconds_count{served="p2p"}'] == 1, peer
        assert peer['dragonfly_dfdaemon_task_first_byte_seconds_count{served="p2p"}'] == 1, peer
        assert seed['dragonfly_dfdaemon_piece_download_duration_seconds_count{source="origin"}'] > 0, seed
        assert seed['dragonfly_dfdaemon_origin_request_duration_seconds_count'] > 0, seed
        assert seed['dragonfly_dfdaemon_upload_piece_duration_seconds_count'] > 0, seed
        assert seed['dragonfly_dfdaemon_task_duration_seconds_count{served="origin"}'] == 1, seed
        sched = configured.metrics(scheduler_metrics)
        assert sched["dragonfly_scheduler_schedule_duration_seconds_count"] > 0, sched
        assert sched["dragonfly_scheduler_register_duration_seconds_count"] >= 2, sched
        assert m.metrics()['dragonfly_manager_request_duration_seconds_count{route="scheduler-clusters"}'] >= 1
        return texts

    def test_the_metrics_table_lists_exactly_what_is_exported(self):
        table = table_rows(TABLE)
        missing = {n: v for n, v in self.exported.items() if n not in table}
        self.assertEqual(missing, {}, "exported but not in docs/metrics.md:\n" +
                         "\n".join(table_row(n, *v) for n, v in sorted(missing.items())))
        stale = sorted(set(table) - set(self.exported))
        self.assertEqual(stale, [], "in docs/metrics.md but not exported")
        wrong = {n: (table[n], v) for n, v in self.exported.items() if table[n] != v}
        self.assertEqual(wrong, {}, "type or label names differ: (table, exported)")
        for name in table:
            self.assertTrue(any(name.startswith(p) for p in BINARIES), name)

    def test_every_metric_the_dashboard_queries_is_exported(self):
        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        self.assertGreaterEqual(dashboard["schemaVersion"], 36)
        variables = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
        self.assertEqual([v["query"] for v in variables], ["prometheus"])
        exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
        self.assertGreaterEqual(len(exprs), 10)
        for panel in dashboard["panels"]:
            if panel["type"] != "row":
                self.assertEqual(panel["datasource"]["uid"], "${%s}" % variables[0]["name"], panel["title"])
        self.check_exprs(exprs)

    def test_the_alert_rules_are_well_formed_and_query_exported_metrics(self):
        with open(ALERTS) as f:
            rules = yaml.safe_load(f)
        self.assertEqual(set(rules), {"groups"})
        exprs = []
        for group in rules["groups"]:
            self.assertEqual(set(group) - {"interval"}, {"name", "rules"}, group)
            for rule in group["rules"]:
                self.assertEqual(set(rule), {"alert", "expr", "for", "labels", "annotations"}, rule)
                self.assertRegex(rule["alert"], r"^[A-Z][A-Za-z0-9]+$")
                self.assertRegex(rule["for"], r"^\d+[smh]$")
                self.assertIn(rule["labels"]["severity"], ("warning", "critical"))
                self.assertTrue({"summary", "description"} <= set(rule["annotations"]), rule["alert"])
                exprs.append(rule["expr"])
        self.assertGreaterEqual(len(exprs), 5)
        self.check_exprs(exprs)
        # Prometheus's own check where it is installed (Debian package prometheus, not in
        # scripts/setup.sh: on a systemd host it starts a Prometheus server).
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "rules", ALERTS], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        else:
            print("promtool not installed: only the built-in PromQL checks ran", file=sys.stderr)

    def check_exprs(self, exprs):
        for expr in exprs:
            try:
                names = promql.metric_names(expr)
            except promql.promql_error as e:
                self.fail("%s: %s" % (expr, e))
            self.assertTrue(names, expr)
            for name in names:
                self.assertTrue(promql.family(name, self.exported) in self.exported,
                                "%s (in %s) is not exported" % (name, expr))
            for name, labels in promql.selector_labels(expr):
                known = self.exported[promql.family(name, self.exported)][1] | {"instance", "job"}
                self.assertLessEqual(set(labels), known, "%s has no such label (in %s)" % (name, expr))


if __name__ == "__main__":
    unittest.main()
