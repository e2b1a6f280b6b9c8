"""Results of bench/swarm_bench.py: the JSON store, the Markdown table and the PNG plot."""
import json
import os
import subprocess
import sys

METHODS = ["p2p", "bt", "direct"]
LABELS = {"p2p": "dragonfly-cpp (p2p)", "bt": "BitTorrent (aria2c)", "direct": "direct from nginx"}


def timeline(r):
    """The upload timeline of a record: one line per sample."""
    def line(s):
        each = " ".join("%3d" % m for m in s[3]) if len(s) > 3 else ""
        origin = "origin %4d  " % s[4] if len(s) > 4 else ""
        return "  t=%5.1fs %sseed %4d Mbit/s  hosts %5d Mbit/s  %s" % (s[0], origin, s[1], s[2], each)
    return "\n".join(line(s) for s in r.get("upload_timeline", []))


def one_line(r):
    """A one-line summary of a result record, for the console."""
    ratio = " (%.2fx T_min %.1fs)" % (r["last"] / r["bound"], r["bound"]) if r["bound"] else ""
    link = ", inter-IDC %.2f copies" % r["idc_link"] if r["idc_link"] is not None else ""
    return ("%-16s %-6s last host %7.1fs%s p50 %.1fs p99 %.1fs, origin egress %.2f copies%s, CPU %.0fs "
            "(machine %.0f%% busy)") % (r["profile"], r["method"], r["last"], ratio, r["p50"], r["p99"],
                                        r["origin_egress"], link, r["cpu_s"], 100 * r.get("machine_busy", 0))


def load(results_dir):
    path = os.path.join(results_dir, "swarm.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


def save(results_dir, record):
    """Stores `record` (replacing an older one of the same profile and method), then rewrites the
    table and the plot."""
    os.makedirs(results_dir, exist_ok=True)
    records = [r for r in load(results_dir) if (r["profile"], r["method"]) != (record["profile"], record["method"])]
    records.append(record)
    records.sort(key=lambda r: (r["kind"], r["size"], r["hosts"], METHODS.index(r["method"])))
    with open(os.path.join(results_dir, "swarm.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n")  # a record per line
    with open(os.path.join(results_dir, "swarm.md"), "w") as f:
        f.write(table(records))
    plot(records, os.path.join(results_dir, "swarm.png"))


def table(records):
    """Markdown: one row per (profile, method)."""
    lines = ["| profile | hosts | file | method | last host (s) | vs T_min | p50 (s) | p99 (s) | origin egress "
             "(files) | inter-IDC (files) | CPU (s) | machine busy | date |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        lines.append("| %s | %d | %d MiB | %s | %.1f | %s | %.1f | %.1f | %.2f | %s | %.0f | %.0f%% | %s |" % (
            r["profile"], r["hosts"], r["size"] >> 20, r["method"], r["last"],
            "%.2f× (%.1f s)" % (r["last"] / r["bound"], r["bound"]) if r["bound"] else "–",
            r["p50"], r["p99"], r["origin_egress"], "%.2f" % r["idc_link"] if r["idc_link"] is not None else "–",
            r["cpu_s"], 100 * r.get("machine_busy", 0), r["date"]))
    return "\n".join(lines) + "\n"


def plot(records, path):
    """Completion time against N for each method and the bound, one panel per file size (uniform
    profiles only). Skipped with a note when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        # Debian's python3-matplotlib belongs to /usr/bin/python3; another interpreter may be first
        # on PATH.
        system = "/usr/bin/python3"
        if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system):
            subprocess.run([system, os.path.abspath(__file__), "--plot", path], input=json.dumps(records), text=True)
        else:
            print("swarm_report: python3-matplotlib is not installed (scripts/setup.sh --bench); no plot written")
        return
    uniform = [r for r in records if r["kind"] == "uniform"]
    sizes = sorted({r["size"] for r in uniform})
    if not sizes:
        return
    fig, axes = plt.subplots(1, len(sizes), figsize=(6 * len(sizes), 4.5), squeeze=False)
    for ax, size in zip(axes[0], sizes):
        rows = [r for r in uniform if r["size"] == size]
        for method in METHODS:
            pts = sorted((r["hosts"], r["last"]) for r in rows if r["method"] == method)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=LABELS[method])
        bound = sorted({(r["hosts"], r["bound"]) for r in rows})
        ax.plot([b[0] for b in bound], [b[1] for b in bound], linestyle="--", color="black",
                label="lower bound (Kumar-Ross)")
        ax.set_title("%d MiB file, hosts up 100 / down 200 Mbit/s" % (size >> 20))
        ax.set_xlabel("hosts (N)")
        ax.set_ylabel("time until the last host holds the file (s)")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--plot":  # records as JSON on stdin
        plot(json.load(sys.stdin), sys.argv[2])
