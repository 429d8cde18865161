"""Shared bits of the benchmarks: a results table, JSON output, the machine."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parser(description: str) -> argparse.ArgumentParser:
    args = argparse.ArgumentParser(description=description)
    args.add_argument("--json", type=Path, help="also write the results to this JSON file")
    return args


def machine() -> dict[str, Any]:
    """What the figures were measured on, including how busy it was."""
    import sqlite3

    import streamlit

    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "streamlit": streamlit.__version__,
        "sqlite": sqlite3.sqlite_version,
        "chromium": _run(["chromium", "--version"]),
        "commit": _run(["git", "rev-parse", "--short", "HEAD"]),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _run(command: list[str]) -> str:
    import subprocess

    try:
        found = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        return found.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(title: str, rows: list[dict[str, Any]]) -> str:
    """A plain-text table: one row per dict, columns in first-seen order."""
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    cells = [[_fmt(row.get(column, "")) for column in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [title, "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def report(name: str, title: str, rows: list[dict[str, Any]], verdicts: dict[str, bool],
           json_path: Path | None, **extra: Any) -> None:  # fmt: skip
    print(table(title, rows))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"  (load average at the end: {load}; {os.cpu_count()} CPUs)")
    for target, met in verdicts.items():
        print(f"  [{'met' if met else 'MISSED'}] {target}")
    if json_path:
        payload = {"benchmark": name, "machine": machine(), "rows": rows,
                   "targets": verdicts, **extra}  # fmt: skip
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
