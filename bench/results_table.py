"""Turns Google Benchmark JSON files into the results table of bench/README.md.

Usage: results_table.py DIR README.md [BUILD_DIR]. Replaces the text between
<!-- results:begin --> and <!-- results:end --> with the machine and, per
benchmark, the median (and spread) of its repetitions.
"""
import json
import pathlib
import platform
import subprocess
import sys

from readme_section import replace_section


def build_type(build_dir):
    """grens's own CMAKE_BUILD_TYPE (the JSON's library_build_type is libbenchmark's)."""
    try:
        for line in open(pathlib.Path(build_dir) / "CMakeCache.txt"):
            if line.startswith("CMAKE_BUILD_TYPE:"):
                return line.split("=", 1)[1].strip() or "no build type"
    except OSError:
        pass
    return "?"


def machine_line(context, build_dir):
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{context.get('num_cpus', '?')} cores ({cpu}), {context.get('mhz_per_cpu', '?')} MHz, "
            f"{platform.system()} {platform.release()}, grens built {build_type(build_dir)}; "
            f"run {context.get('date', '?')}")


def fmt_time(value, unit):
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]
    ns = value * scale
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns / 1e6:.2f} ms"


def rows(data):
    by_name = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "aggregate":
            continue
        by_name.setdefault(b["run_name"], {})[b["aggregate_name"]] = b
    for name, aggs in by_name.items():
        med = aggs.get("median")
        if not med:
            continue
        cv = aggs.get("cv", {}).get("real_time")
        extra = ""
        if "items_per_second" in med:
            extra = f"{med['items_per_second']:,.0f} items/s"
        yield (name, fmt_time(med["real_time"], med["time_unit"]),
               f"{cv * 100:.1f}%" if cv is not None else "", extra)


def main():
    src, readme = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    lines, context = [], {}
    for f in sorted(src.glob("*.json")):
        data = json.loads(f.read_text())
        context = data.get("context", context)
        for name, median, cv, extra in rows(data):
            lines.append(f"| {f.stem} | {name} | {median} | {cv} | {extra} |")
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True, cwd=readme.parent).stdout.strip()
    table = "\n".join([
        f"Machine: {machine_line(context, sys.argv[3] if len(sys.argv) > 3 else '.')}; commit {rev}.",
        "",
        "| binary | benchmark | median time | spread (cv) | throughput |",
        "| --- | --- | --- | --- | --- |",
        *lines,
    ])
    replace_section(readme, "results", table)


if __name__ == "__main__":
    main()
