#!/usr/bin/env python3
"""Tables and plots from bench/server/run.sh's results (standard library only).

  report.py max CLOSED_TSV NAME MODE CONNS
      The median req/s of NAME in MODE at CONNS connections over the rounds
      (the open loop's 100 %), as a whole number; nothing when not measured.
  report.py report OUT_DIR [--versions TEXT] [--duration S] [--rounds N] ...
      Reads OUT_DIR/closed.tsv and open.tsv; writes OUT_DIR/report.md,
      throughput.svg and latency.svg, and prints report.md.
"""

import argparse
import csv
import math
import os
import statistics
import sys
from collections import defaultdict
from datetime import datetime, timezone
from html import escape

MODES = ["stateless", "stateless-2026", "stateful"]
MODE_TITLES = {
    "stateless": "stateless, 2025-11-25",
    "stateless-2026": "stateless, 2026-07-28",
    "stateful": "sessions, 2025-11-25",
}
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]


def read(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return [row for row in csv.DictReader(f, delimiter="\t") if row.get("server")]


def num(value, default=0.0):
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def order_servers(names):
    """Ours first, then extra servers, rmcp, other frameworks, the floor."""
    fixed = {"quickmcp": 0, "rmcp": 2, "tower-mcp": 3, "turbomcp": 4, "pmcp": 5, "floor": 9}
    return sorted(set(names), key=lambda n: (fixed.get(n, 1), n))


def closed_medians(rows):
    """(server, mode, conns) -> dict of medians and sums over rounds."""
    groups = defaultdict(list)
    for row in rows:
        groups[(row["server"], row["mode"], int(row["conns"]))].append(row)
    result = {}
    for key, group in groups.items():
        result[key] = {
            "rps": median(num(r["rps"]) for r in group),
            "p50": median(num(r["p50_us"]) for r in group),
            "p99": median(num(r["p99_us"]) for r in group),
            "cpu": median(num(r["server_cpu"]) for r in group),
            "other": median(num(r.get("other_cpu")) for r in group),
            "errors": sum(int(num(r["errors"])) + int(num(r["wrong"])) for r in group),
            "checks_ok": sum(int(num(r["checks_ok"])) for r in group),
            "checks": sum(int(num(r["checks"])) for r in group),
            "rounds": len(group),
        }
    return result


def open_medians(rows):
    """(server, mode, pct) -> medians over rounds (pct: '25' ... or 'fixed')."""
    groups = defaultdict(list)
    for row in rows:
        groups[(row["server"], row["mode"], row["pct"])].append(row)
    result = {}
    for key, group in groups.items():
        result[key] = {
            "offered": median(num(r["offered"]) for r in group),
            "achieved": median(num(r["achieved"]) for r in group),
            "p50": median(num(r["p50_us"]) for r in group),
            "p90": median(num(r["p90_us"]) for r in group),
            "p99": median(num(r["p99_us"]) for r in group),
            "p999": median(num(r["p999_us"]) for r in group),
            "cpu": median(num(r["server_cpu"]) for r in group),
            "other": median(num(r.get("other_cpu")) for r in group),
            "bad": sum(int(num(r["errors"])) + int(num(r["wrong"])) for r in group),
            "unfinished": sum(int(num(r["unfinished"])) for r in group),
        }
    return result


NOISY = 20  # % of the server's core taken by other processes: the row is suspect


def noisy(r):
    return " ⚠" if (r.get("other") or 0) >= NOISY else ""


def ratio(value, base):
    return f"{value / base:.2f}" if value and base else "-"


def closed_table(closed, lines):
    conns_list = sorted({k[2] for k in closed})
    lines.append("| mode | conns | server | req/s | p50 ms | p99 ms | server CPU | others | errors | checks | vs rmcp | vs floor |")
    lines.append("| ---- | ----: | ------ | ----: | -----: | -----: | ---------: | -----: | -----: | -----: | ------: | -------: |")
    for mode in MODES:
        for conns in conns_list:
            names = order_servers(s for s, m, c in closed if m == mode and c == conns)
            rmcp = closed.get(("rmcp", mode, conns), {}).get("rps")
            floor_mode = mode if ("floor", mode, conns) in closed else "stateless"
            floor = closed.get(("floor", floor_mode, conns), {}).get("rps")
            for name in names:
                r = closed[(name, mode, conns)]
                vs_floor = ratio(r["rps"], floor)
                if floor_mode != mode and vs_floor != "-":
                    vs_floor += "¹"
                shown = f"**{name}**" if name == "quickmcp" else name
                lines.append(
                    f"| {mode} | {conns} | {shown} | {r['rps']:,.0f} | {r['p50'] / 1000:.3f} | {r['p99'] / 1000:.3f} "
                    f"| {r['cpu']:.0f} % | {r['other']:.0f} %{noisy(r)} | {r['errors']} | {r['checks_ok']}/{r['checks']} "
                    f"| {ratio(r['rps'], rmcp)} | {vs_floor} |"
                )
    if any(m == "stateful" for _, m, _ in closed):
        lines.append("")
        lines.append("¹ sessions against the floor's stateless rate (the floor has no sessions).")


def open_table(opened, lines):
    def pct_key(p):
        return (1, 0) if p == "fixed" else (0, int(p))

    lines.append("| mode | server | load | offered req/s | achieved req/s | p50 µs | p99 µs | p99.9 µs | server CPU | others | errors | unfinished |")
    lines.append("| ---- | ------ | ---- | ------------: | -------------: | -----: | -----: | -------: | ---------: | -----: | -----: | ---------: |")
    for mode in MODES:
        for name in order_servers(s for s, m, _ in opened if m == mode):
            for pct in sorted({p for s, m, p in opened if s == name and m == mode}, key=pct_key):
                r = opened[(name, mode, pct)]
                load = "fixed" if pct == "fixed" else f"{pct} %"
                shown = f"**{name}**" if name == "quickmcp" else name
                lines.append(
                    f"| {mode} | {shown} | {load} | {r['offered']:,.0f} | {r['achieved']:,.0f} | {r['p50']:.0f} "
                    f"| {r['p99']:.0f} | {r['p999']:.0f} | {r['cpu']:.0f} % | {r['other']:.0f} %{noisy(r)} | {r['bad']} | {r['unfinished']} |"
                )


def headline(closed, opened, lines):
    """The few numbers to quote."""
    top = max((c for _, _, c in closed), default=None)
    low = min((c for _, _, c in closed), default=None)

    def rps(server, mode, conns):
        return closed.get((server, mode, conns), {}).get("rps")

    for mode in MODES:
        ours = rps("quickmcp", mode, top)
        if not ours:
            continue
        parts = []
        for base in ("rmcp", "floor"):
            base_rps = rps(base, mode, top) or (rps(base, "stateless", top) if base == "floor" else None)
            if base_rps:
                parts.append(f"{ours / base_rps:.2f}× {base}")
        one = rps("quickmcp", mode, low)
        one_rmcp = rps("rmcp", mode, low)
        if low != top and one and one_rmcp:
            parts.append(f"at {low} connection{'s' if low > 1 else ''} {one / one_rmcp:.2f}× rmcp")
        lines.append(f"- {MODE_TITLES[mode]}, {top} connections: ours {ours:,.0f} req/s = " + ", ".join(parts))
    fixed = [(s, m, r) for (s, m, p), r in opened.items() if p == "fixed"]
    for mode in MODES:
        at = [(s, r) for s, m, r in fixed if m == mode]
        if at:
            rate = at[0][1]["offered"]
            text = ", ".join(f"{s} {r['p99']:.0f} µs" for s, r in sorted(at, key=lambda x: order_servers([x[0], "rmcp"]).index(x[0])))
            lines.append(f"- p99 at a fixed {rate:,.0f} req/s, {MODE_TITLES[mode]}: {text}")


# ---------------------------------------------------------------- SVG plots


def svg_text(x, y, text, size=12, anchor="start", weight="normal", color="#222"):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{color}">{escape(str(text))}</text>')


def svg_document(width, height, body):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif">\n'
            f'<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(body) + "\n</svg>\n")


def color_map(names):
    return {name: COLORS[i % len(COLORS)] for i, name in enumerate(order_servers(names))}


def throughput_svg(closed, title):
    """Horizontal bars: req/s per server, grouped by mode and connections."""
    groups = []
    for mode in MODES:
        for conns in sorted({c for _, m, c in closed if m == mode}):
            names = order_servers(s for s, m, c in closed if m == mode and c == conns)
            groups.append((mode, conns, names))
    colors = color_map(s for s, _, _ in closed)
    bar, gap, left, width = 16, 22, 120, 820
    top_rps = max((r["rps"] for r in closed.values()), default=1) or 1
    scale = (width - left - 210) / top_rps
    body, y = [svg_text(16, 26, title, 15, weight="bold")], 48
    for mode, conns, names in groups:
        body.append(svg_text(16, y + 12, f"{MODE_TITLES[mode]} — {conns} connection{'s' if conns > 1 else ''}", 13, weight="bold"))
        y += 20
        rmcp = closed.get(("rmcp", mode, conns), {}).get("rps")
        for name in names:
            r = closed[(name, mode, conns)]
            w = max(1.0, r["rps"] * scale)
            body.append(svg_text(left - 8, y + bar - 4, name, 12, "end"))
            body.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colors[name]}"/>')
            label = f"{r['rps']:,.0f} req/s"
            if rmcp and name != "rmcp":
                label += f"  ({r['rps'] / rmcp:.2f}× rmcp)"
            body.append(svg_text(left + w + 6, y + bar - 4, label, 11))
            y += bar + 4
        y += gap
    return svg_document(width, y + 10, body)


def nice_ticks(lo, hi, log):
    if log:
        ticks, t = [], 10 ** math.floor(math.log10(lo))
        while t <= hi * 1.0001:
            for m in (1, 2, 5):
                if lo <= t * m <= hi * 1.0001:
                    ticks.append(t * m)
            t *= 10
        return ticks
    span = hi - lo or 1
    step = 10 ** math.floor(math.log10(span / 5))
    for m in (1, 2, 5, 10):
        if span / (step * m) <= 6:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def latency_svg(opened, title):
    """p99 against the offered rate, one panel per mode, a line per server."""
    modes = [m for m in MODES if any(k[1] == m for k in opened)]
    colors = color_map(s for s, _, _ in opened)
    pw, ph, ml, mt, mb = 380, 300, 64, 56, 52
    width = ml + len(modes) * (pw + 40) + 10
    height = mt + ph + mb + 30
    body = [svg_text(16, 26, title, 15, weight="bold")]
    values = [r["p99"] for r in opened.values() if r["p99"] > 0]
    if not values:
        return svg_document(width, height, body + [svg_text(20, 60, "no open-loop results")])
    ylo, yhi = 10 ** math.floor(math.log10(min(values))), 10 ** math.ceil(math.log10(max(values)))
    for i, mode in enumerate(modes):
        x0 = ml + i * (pw + 40)
        points = {k: r for k, r in opened.items() if k[1] == mode}
        xhi = max(r["offered"] for r in points.values()) * 1.05
        body.append(svg_text(x0 + pw / 2, mt - 10, MODE_TITLES[mode], 13, "middle", "bold"))
        body.append(f'<rect x="{x0}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')

        def px(v, x0=x0, xhi=xhi):
            return x0 + v / xhi * pw

        def py(v):
            return mt + ph - (math.log10(v) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo)) * ph

        for t in nice_ticks(ylo, yhi, True):
            body.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#eee"/>')
            label = f"{t / 1000:g} ms" if t >= 1000 else f"{t:g} µs"
            body.append(svg_text(x0 - 4, py(t) + 4, label, 10, "end"))
        for t in nice_ticks(0, xhi, False):
            body.append(f'<line x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{mt + ph}" y2="{mt + ph + 4}" stroke="#888"/>')
            body.append(svg_text(px(t), mt + ph + 16, f"{t / 1000:g}k", 10, "middle"))
        body.append(svg_text(x0 + pw / 2, mt + ph + 34, "offered load, req/s", 11, "middle"))
        for name in order_servers(s for s, _, _ in points):
            series = sorted((r["offered"], r["p99"], p) for (s, _, p), r in points.items() if s == name and r["p99"] > 0)
            if not series:
                continue
            curve = [(o, v) for o, v, p in series if p != "fixed"]
            if len(curve) > 1:
                path = " ".join(f"{px(o):.1f},{py(v):.1f}" for o, v in curve)
                body.append(f'<polyline points="{path}" fill="none" stroke="{colors[name]}" stroke-width="2"/>')
            for o, v, p in series:
                shape = (f'<rect x="{px(o) - 4:.1f}" y="{py(v) - 4:.1f}" width="8" height="8" fill="white" stroke="{colors[name]}" stroke-width="2"/>'
                         if p == "fixed" else f'<circle cx="{px(o):.1f}" cy="{py(v):.1f}" r="3.5" fill="{colors[name]}"/>')
                body.append(shape)
    lx = ml
    for name in order_servers(s for s, _, _ in opened):
        body.append(f'<rect x="{lx}" y="{height - 22}" width="12" height="12" fill="{colors[name]}"/>')
        body.append(svg_text(lx + 16, height - 12, name, 12))
        lx += 30 + 8 * len(name)
    body.append(svg_text(lx + 10, height - 12, "p99 latency from the intended send time; dots: 25/50/75/90 % of the server's own maximum; squares: the fixed rate", 11))
    return svg_document(max(width, lx + 760), height, body)


# ---------------------------------------------------------------- commands


def cmd_max(args):
    rows = [r for r in read(args.closed) if r["server"] == args.name and r["mode"] == args.mode and int(r["conns"]) == args.conns]
    value = median(num(r["rps"]) for r in rows)
    if value:
        print(int(value))
    return 0


def cmd_report(args):
    closed = closed_medians(read(os.path.join(args.out, "closed.tsv")))
    opened = open_medians(read(os.path.join(args.out, "open.tsv")))
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Server benchmark, {when}", ""]
    lines.append(
        f"`bench/server/run.sh`: {args.versions}. Each server alone, pinned to one CPU, the load on the other; "
        f"medians of {args.rounds} round(s); closed loop {args.duration} s per point (wrk, one thread), "
        f"open loop {args.open_duration} s per point ({args.open_conns} connections, latency from each request's "
        "intended send time). Only ratios within one run mean anything."
    )
    lines += ["", "## Summary", ""]
    headline(closed, opened, lines)
    lines += ["", "## Throughput (closed loop)", ""]
    closed_table(closed, lines)
    lines += ["", "server CPU: the server's share of its core; others: the share other processes took of that core "
              f"(⚠ from {NOISY} %: the server did not have its core, rerun before trusting the row). "
              "errors: non-2xx answers and socket errors (plus wrong sums with --check-all), summed over rounds; "
              "checks: calls with random arguments made after each run whose sum was right.", ""]
    memory = read(os.path.join(args.out, "memory.tsv"))
    if memory:
        lines += ["## Memory per idle session", ""]
        lines.append("| server | sessions | KiB per idle session |")
        lines.append("| ------ | -------: | -------------------: |")
        for name in order_servers(r["server"] for r in memory):
            r = next(r for r in memory if r["server"] == name)
            lines.append(f"| {name} | {r['sessions']} | {num(r['kib_per_session']):.1f} |")
        lines += ["", "RSS growth of the server process while that many sessions were opened "
                  "(initialize + notifications/initialized) and left idle, after 100 to warm up.", ""]
    if opened:
        lines += ["## Latency at constant request rates (open loop)", ""]
        open_table(opened, lines)
        lines += ["", "load: a share of the server's own closed-loop maximum at the largest connection count, or the "
                  "fixed rate given to every server. errors: non-2xx, socket errors and wrong sums (every answer is "
                  "checked); unfinished: requests still waiting one second after the run (overload).", ""]
    report = "\n".join(lines)
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(report)
    with open(os.path.join(args.out, "throughput.svg"), "w") as f:
        f.write(throughput_svg(closed, f"tools/call add: requests per second (closed loop), {when}"))
    if opened:
        with open(os.path.join(args.out, "latency.svg"), "w") as f:
            f.write(latency_svg(opened, f"tools/call add: p99 latency at constant request rates (open loop), {when}"))
    print(report)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("max")
    p.add_argument("closed")
    p.add_argument("name")
    p.add_argument("mode")
    p.add_argument("conns", type=int)
    p = sub.add_parser("report")
    p.add_argument("out")
    p.add_argument("--versions", default="")
    p.add_argument("--duration", default="?")
    p.add_argument("--open-duration", default="?")
    p.add_argument("--rounds", default="?")
    p.add_argument("--open-conns", default="?")
    args = parser.parse_args()
    return {"max": cmd_max, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
