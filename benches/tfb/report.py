#!/usr/bin/env python3
"""benches/tfb.sh's summary: the medians of its rounds, the ratio of httprs
to the best peer, and a bar chart as SVG (written by hand: no plotting
library to install).

    report.py RESULTS_CSV SVG_OUT

RESULTS_CSV has one line per wrk run: round,test,connections,setup,requests_per_s,errors.
Prints a Markdown table on standard output."""

import csv
import statistics
import sys
from collections import defaultdict

RESULTS, SVG = sys.argv[1], sys.argv[2]
TESTS = ["plaintext", "json", "db", "queries", "fortunes", "updates"]
SETUPS = ["httprs", "httprs-sqlite", "axum", "actix"]
PEERS = ["axum", "actix"]
COLOURS = {"httprs": "#c0392b", "httprs-sqlite": "#e59866", "axum": "#2471a3", "actix": "#239b56"}

runs = defaultdict(list)
for row in csv.DictReader(open(RESULTS)):
    runs[(row["test"], int(row["connections"]), row["setup"])].append(float(row["requests_per_s"]))
median = {key: statistics.median(values) for key, values in runs.items()}
tests = [t for t in TESTS if any(k[0] == t for k in median)]
rounds = max(len(v) for v in runs.values())


def fmt(x):
    return f"{x:,.0f}" if x is not None else "–"


print(f"median requests/s of {rounds} rounds (wrk; ratio = httprs / the better of axum and actix)\n")
print("| test type | connections | httprs (PostgreSQL) | httprs (SQLite) | axum | actix-web | httprs / best peer |")
print("|---|---:|---:|---:|---:|---:|---:|")
best = {}  # test -> setup -> best median over connection counts, for the chart
for test in tests:
    for conns in sorted({k[1] for k in median if k[0] == test}):
        m = {s: median.get((test, conns, s)) for s in SETUPS}
        peer = max((m[p] for p in PEERS if m[p] is not None), default=None)
        ratio = f"{m['httprs'] / peer:.2f}×" if m["httprs"] and peer else "–"
        print(f"| {test} | {conns} | {fmt(m['httprs'])} | {fmt(m['httprs-sqlite'])} | {fmt(m['axum'])} | {fmt(m['actix'])} | {ratio} |")
        for s, v in m.items():
            if v is not None:
                best.setdefault(test, {})[s] = max(v, best.get(test, {}).get(s, 0))

# The chart: one group of bars per test type, each bar the setup's best
# median over the connection counts, as a share of the fastest setup of
# that test type (the rates differ by a factor of 1,000 between plaintext
# and updates), labelled with its requests/s.
bar, gap, group_gap, left, top, height = 18, 2, 26, 60, 40, 220
groups = [(t, [s for s in SETUPS if s in best[t]]) for t in tests]
width = left + sum(len(s) * (bar + gap) + group_gap for _, s in groups) + 20
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + height + 70}" '
       f'font-family="sans-serif" font-size="11">',
       f'<rect width="100%" height="100%" fill="white"/>',
       f'<text x="{left}" y="20" font-size="13">TechEmpower test types: requests/s as a share of the fastest '
       f'(median of {rounds} rounds; label: requests/s)</text>']
for pct in (0, 50, 100):
    y = top + height - height * pct / 100
    svg.append(f'<line x1="{left - 4}" x2="{width - 10}" y1="{y}" y2="{y}" stroke="#ddd"/>')
    svg.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{pct}%</text>')
x = left + 10
for test, setups in groups:
    top_rate = max(best[test].values())
    start = x
    for s in setups:
        h = height * best[test][s] / top_rate
        svg.append(f'<rect x="{x}" y="{top + height - h:.1f}" width="{bar}" height="{h:.1f}" fill="{COLOURS[s]}">'
                   f'<title>{s}: {best[test][s]:,.0f} requests/s</title></rect>')
        label = f"{best[test][s] / 1000:.1f}k" if best[test][s] >= 1000 else f"{best[test][s]:.0f}"
        svg.append(f'<text x="{x + bar / 2}" y="{top + height - h - 3:.1f}" text-anchor="middle" font-size="9">{label}</text>')
        x += bar + gap
    svg.append(f'<text x="{(start + x) / 2}" y="{top + height + 16}" text-anchor="middle">{test}</text>')
    x += group_gap
lx = left
for s in SETUPS:
    svg.append(f'<rect x="{lx}" y="{top + height + 34}" width="12" height="12" fill="{COLOURS[s]}"/>')
    name = {"httprs": "httprs (PostgreSQL)", "httprs-sqlite": "httprs (SQLite)", "actix": "actix-web"}.get(s, s)
    svg.append(f'<text x="{lx + 16}" y="{top + height + 44}">{name}</text>')
    lx += 150
svg.append("</svg>")
open(SVG, "w").write("\n".join(svg) + "\n")
