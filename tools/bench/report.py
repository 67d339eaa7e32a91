"""tools/bench/report.py: turns the JSON lines of one benchmark run (rayc-bench
--json, the peers' drivers, gcs.sh converted by run.sh) into the table run.sh
prints, a JSON summary and a gnuplot bar chart of rayc's ratio to each peer.

  /usr/bin/python3 tools/bench/report.py --out DIR [--machine TEXT] LINES.jsonl...

Per (workload, metric, system) the figure is the median over repetitions,
except bytes_per_queued_task, which only the first repetition measures
cleanly (later ones reuse memory the first one freed), so only rep 0 counts.
A ratio is always "how many times better rayc is": rayc/peer for figures
where higher is better, peer/rayc where lower is better. The last column
compares rayc with the best peer on that row.

Writes DIR/results.json, DIR/ratios.dat, DIR/ratios.gp and, when gnuplot is
installed, DIR/ratios.png. Prints the table (Markdown) to stdout.
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

PEER_NAMES = {"dask": "Dask", "celery": "Celery", "redis": "redis-server"}
ONLY_FIRST_REP = {"bytes_per_queued_task"}


def load(paths):
    rows = []
    for path in paths:
        with open(path) as f:
            for no, line in enumerate(f, 1):
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    r = json.loads(line)
                    for k in ("system", "workload", "metric", "value", "better"):
                        if k not in r:
                            raise ValueError(f"no {k}")
                    if r["better"] not in ("higher", "lower"):
                        raise ValueError(f"better is {r['better']!r}")
                    float(r["value"])
                except ValueError as e:
                    sys.exit(f"report.py: {path}:{no}: not a benchmark figure ({e}): {line[:120]}")
                rows.append(r)
    return rows


def summarise(rows):
    """{(workload, metric): {"better", "unit", "n": {system: n}, "values": {system: median}}}"""
    groups = {}
    for r in rows:
        if r["metric"] in ONLY_FIRST_REP and r.get("rep", 0) != 0:
            continue
        g = groups.setdefault((r["workload"], r["metric"]),
                              {"better": r["better"], "unit": r.get("unit", ""), "runs": {},
                               "n": {}})
        g["runs"].setdefault(r["system"], []).append(float(r["value"]))
        g["n"][r["system"]] = r.get("n")
    for g in groups.values():
        g["values"] = {s: statistics.median(v) for s, v in g["runs"].items()}
    return groups


def ratio(better, rayc, peer):
    if rayc is None or peer is None:
        return None
    if better == "higher":
        return rayc / peer if peer > 0 else None
    return peer / rayc if rayc > 0 else None


def fmt(v):
    if v is None:
        return "–"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.4f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="directory for results.json and the chart")
    p.add_argument("--machine", default="", help="one line describing the machine")
    p.add_argument("lines", nargs="+", help="files of JSON lines")
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    groups = summarise(load(a.lines))
    if not groups:
        sys.exit("report.py: no figures in " + " ".join(a.lines))
    peers = [s for s in PEER_NAMES if any(s in g["values"] for g in groups.values())]

    table, summary, chart = [], [], []
    head = ["workload", "metric", "rayc"] + [PEER_NAMES[s] for s in peers] + ["rayc vs best peer"]
    table.append("| " + " | ".join(head) + " |")
    table.append("|" + "---|" * len(head))
    for (workload, metric), g in groups.items():
        vals = g["values"]
        rayc = vals.get("rayc")
        present = [s for s in peers if s in vals]
        best = None
        if present:
            pick = max if g["better"] == "higher" else min
            best = pick(present, key=lambda s: vals[s])
        best_ratio = ratio(g["better"], rayc, vals[best]) if best else None
        cells = [workload, f"{metric} ({g['unit']}, {g['better']} is better)", fmt(rayc)]
        cells += [fmt(vals.get(s)) for s in peers]
        cells.append(f"**{best_ratio:.1f}×** ({PEER_NAMES[best]})" if best_ratio else "–")
        table.append("| " + " | ".join(cells) + " |")
        ratios = {s: ratio(g["better"], rayc, vals[s]) for s in present}
        summary.append({"workload": workload, "metric": metric, "unit": g["unit"],
                        "better": g["better"], "n": g["n"], "median": vals, "runs": g["runs"],
                        "ratio_vs": ratios,
                        "ratio_vs_best_peer": best_ratio, "best_peer": best})
        if ratios:
            chart.append((f"{workload} {metric}", [ratios.get(s) for s in peers]))

    (out / "results.json").write_text(json.dumps(
        {"machine": a.machine, "peers": peers, "rows": summary}, indent=2) + "\n")
    write_chart(out, peers, chart)
    if a.machine:
        print(f"Machine: {a.machine}\n")
    print("\n".join(table))
    print("\nMedian of the repetitions; ratios are how many times better rayc is "
          "(rayc/peer when higher is better, peer/rayc when lower is better).")


def write_chart(out, peers, chart):
    """A clustered bar chart, one cluster per row, one bar per peer, log scale."""
    if not chart:
        return
    with open(out / "ratios.dat", "w") as f:
        for label, rs in chart:
            f.write('"' + label.replace('"', "'") + '" ' +
                    " ".join(f"{r:.4g}" if r else "NaN" for r in rs) + "\n")
    plots = ", ".join(
        f"'ratios.dat' using {i + 2}:xtic(1) title '{PEER_NAMES[s]}'"
        for i, s in enumerate(peers))
    (out / "ratios.gp").write_text(f"""set terminal png size 1200,700 noenhanced
set bmargin 12
set output 'ratios.png'
set title 'rayc: how many times better than each peer (same machine, same run)'
set style data histogram
set style histogram clustered gap 1
set style fill solid border -1
set logscale y
set yrange [0.1:*]
set ylabel 'ratio (log scale; above 1: rayc is better)'
set xtics rotate by -30 font ',9'
set key top right
set grid ytics
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot {plots}
""")
    if shutil.which("gnuplot"):
        r = subprocess.run(["gnuplot", "ratios.gp"], cwd=out, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"report.py: gnuplot failed: {r.stderr.strip()}", file=sys.stderr)


if __name__ == "__main__":
    main()
