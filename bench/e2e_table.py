"""Medians of bench/e2e.sh runs as a table in bench/README.md (e2e markers)."""
import json
import pathlib
import statistics
import subprocess
import sys

from readme_section import replace_section

rows = [json.loads(line) for line in open(sys.argv[1])]
readme = pathlib.Path(sys.argv[2])


def median(server, mode, inflight, key):
    values = [r[key] for r in rows if r["server"] == server and r["mode"] == mode and r["inflight"] == inflight]
    return statistics.median(values) if values else float("nan")


loads = [("unary", 16), ("unary", 64), ("stream", 1), ("stream", 100)]
names = {"null": "null server (ceiling)", "nolog": "grens pipeline, logging off", "grensd": "grensd, durable log"}
lines = ["| server | load | calls/s | ratio to null | p50 | p99 | p99 ratio to null |", "| --- | --- | --- | --- | --- | --- | --- |"]
for server in ["null", "nolog", "grensd"]:
    for mode, inflight in loads:
        rate = median(server, mode, inflight, "calls_per_s")
        p50 = median(server, mode, inflight, "p50_us")
        p99 = median(server, mode, inflight, "p99_us")
        base_rate = median("null", mode, inflight, "calls_per_s")
        base_p99 = median("null", mode, inflight, "p99_us")
        load = f"{inflight} in flight" if mode == "unary" else ("1 stream" if inflight == 1 else f"1 stream, {inflight} events per message")
        lines.append(f"| {names[server]} | {load} | {rate:,.0f} | {rate / base_rate:.2f} | {p50 / 1000:.2f} ms | "
                     f"{p99 / 1000:.2f} ms | {p99 / base_p99:.2f} |")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=readme.parent).stdout.strip()
reps = max(r["run"] for r in rows)
head = (f"Machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores ({cpu}); "
        f"server and load tool share all cores, no pinning; medians of {reps} runs; commit {rev}.")
replace_section(readme, "e2e", f"{head}\n\n" + "\n".join(lines))
