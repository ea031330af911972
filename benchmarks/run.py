"""Menshen benchmarks: keyword-path speed and dev-set quality, side by side with baselines.

    python benchmarks/run.py                       # everything (several minutes)
    python benchmarks/run.py --quick               # smoke run on small samples (< 1 min)
    python benchmarks/run.py --only speed --out benchmarks/out/speed.json
    python benchmarks/run.py --only quality --md benchmarks/out/quality.md

Data is read from --data-dir (default: ../shared/data next to the repository); nothing is
copied into the repository. See benchmarks/README.md for what every number means.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Speed and quality benchmarks of Menshen's keyword tier against naive "
        "public keyword lists and plain Aho-Corasick (pyahocorasick, ahocorasick_rs).",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=common.DEFAULT_DATA_DIR,
        help=f"shared data folder (default: {common.DEFAULT_DATA_DIR})",
    )
    parser.add_argument("--out", type=Path, help="write all results as JSON to this path")
    parser.add_argument("--md", type=Path, help="also write the printed tables to this file")
    parser.add_argument("--only", choices=("speed", "quality"), help="run one half only")
    parser.add_argument(
        "--quick", action="store_true", help="small samples and the smallest list (< 1 min)"
    )
    parser.add_argument(
        "--calls", type=int, help="latency calls per configuration (default 30000, quick 3000)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = args.data_dir.resolve()
    if not (data_dir / common.HARM_BENCH).exists():
        print(f"error: {data_dir / common.HARM_BENCH} not found; pass --data-dir", file=sys.stderr)
        return 2
    command = "python benchmarks/run.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    results: dict[str, object] = {
        "command": command.strip(),
        "machine": common.machine_info(),
        "data_dir": str(data_dir),
        "quick": args.quick,
    }
    sections = [f"# Menshen benchmarks\n\n`{command.strip()}`\n", _machine_md(results)]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="menshen-bench-") as tmp:
        work_dir = Path(tmp)
        if args.only in (None, "speed"):
            import speed

            print("running speed benchmark ...", file=sys.stderr)
            results["speed"] = speed.run_speed(data_dir, work_dir, args.quick, args.calls)
            sections.append("## Speed\n\n" + speed.report(results["speed"]))
        if args.only in (None, "quality"):
            import quality

            print("running quality benchmark ...", file=sys.stderr)
            results["quality"] = quality.run_quality(data_dir, work_dir, args.quick)
            sections.append("## Quality\n" + quality.report(results["quality"]))
    results["seconds"] = time.perf_counter() - started
    results["loadavg_end"] = os.getloadavg()
    text = "\n\n".join(sections) + f"\n\n(total {results['seconds']:.0f} s)\n"
    print(text)
    if args.md:
        args.md.parent.mkdir(parents=True, exist_ok=True)
        args.md.write_text(text, encoding="utf-8")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"results written to {args.out}", file=sys.stderr)
    return 0


def _machine_md(results: dict[str, object]) -> str:
    m = results["machine"]
    assert isinstance(m, dict)
    return (
        f"date {m['date']} · commit {m['commit']} · {m['cpu']} · nproc {m['nproc']} · "
        f"Python {m['python']} · load average at start {m['loadavg_start'][0]:.2f} · "
        f"data {results['data_dir']}"
    )


if __name__ == "__main__":
    sys.exit(main())
