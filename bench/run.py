"""Benchmark ftlint on a generated dataset: MB/s, examples/s and peak memory.

    python bench/run.py                       # 1 GB SFT file (generated once into bench/data/)
    python bench/run.py --size-mb 200 --repeat 3
    python bench/run.py --format dpo --args "--select FT0,FT1"

Each run is a fresh `python -m ftlint` process, as a user runs it; peak RSS is the child's
maximum resident set size. One MB is 10^6 bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALL_PLUGINS = False
CACHE = False


def ensure_data(size_mb: float, fmt: str, seed: int, prompt_rules: int = 75) -> Path:
    path = HERE / "data" / f"{fmt}-{size_mb:g}mb-seed{seed}-p{prompt_rules}.jsonl"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        print(f"generating {path} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--size-mb", str(size_mb), "--format", fmt,
                        "--seed", str(seed), "--prompt-rules", str(prompt_rules), "--out", str(path)], check=True)
    return path


def _tree_rss_kb(root: int) -> tuple[int, int]:
    """Resident memory of a process and all its descendants, from /proc (Linux), and the largest
    peak (VmHWM) any one of them has reached so far."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, largest, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/status") as fh:
                largest = max([largest] + [int(row.split()[1]) for row in fh if row.startswith("VmHWM:")])
        except (OSError, ValueError):
            pass
        # PSS shares the pages forked workers have in common among them, so the sum is the
        # memory the run really holds; VmRSS would count the shared tokenizer once per process.
        for name, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
            try:
                with open(name) as fh:
                    for row in fh:
                        if row.startswith(field):
                            total += int(row.split()[1])
                            break
                break
            except OSError:
                continue
    return total, largest


def host_check() -> float:
    """Milliseconds a fixed pure-Python loop takes now. Hosts here drift by up to 2x within an
    hour; a run is comparable with another only next to this figure."""
    start = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i
    return (time.perf_counter() - start) * 1000


def measure(path: Path, extra: list[str], source: Path | None = None) -> dict:
    """One fresh ftlint process; ``source`` runs another checkout's ``src`` instead of this one."""
    cmd = [sys.executable, "-m", "ftlint", "check", str(path), "--isolated", "--format", "json",
           "--output-file", os.devnull, "--no-progress", *extra]
    env = dict(os.environ)
    from importlib.metadata import entry_points

    disabled = []
    for ep in entry_points(group="ftlint"):
        ours = ep.dist is not None and ep.dist.name == "ftlint"
        if not ours and not ALL_PLUGINS:
            disabled.append(ep.name)  # measure ftlint itself, not third-party rules installed here
        elif ours and source is not None and not _module_file(source, ep.value):
            disabled.append(ep.name)  # a built-in plugin the other checkout does not have yet
    env["FTLINT_DISABLE_PLUGINS"] = ",".join(disabled)
    if not CACHE:  # every run lints the whole file (revisions before the cache ignore the setting)
        env["FTLINT_NO_CACHE"] = "1"
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    check = host_check()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    peak_tree = peak_one = 0
    while child.poll() is None:
        tree, one = _tree_rss_kb(child.pid)
        peak_tree, peak_one = max(peak_tree, tree), max(peak_one, one)
        time.sleep(0.25)
    stderr = child.stderr.read()
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode not in (0, 1):
        raise SystemExit(f"ftlint failed ({child.returncode}): {stderr}")
    # ru_maxrss of the children is the largest of every child so far, this run's or an earlier
    # one's: it is this run's only when it grew. Else the peaks sampled from /proc tell.
    largest = after.ru_maxrss if after.ru_maxrss > before.ru_maxrss else peak_one
    return {"seconds": elapsed, "cpu_seconds": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "peak_rss_mb": largest / 1024, "peak_tree_rss_mb": peak_tree / 1024,
            "host_check_ms": (check + host_check()) / 2}


def _module_file(src: Path, module: str) -> bool:
    base = src.joinpath(*module.split(":")[0].split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def compare(path: Path, extra: list[str], rev: str, rounds: int) -> int:
    """Run this checkout and ``rev`` alternately, so both meet the same host conditions."""
    root = HERE.parent
    with tempfile.TemporaryDirectory(prefix="ftlint-bench-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
        try:
            runs: dict[str, list[dict]] = {"this": [], rev: []}
            for _ in range(rounds):
                runs["this"].append(measure(path, extra))
                runs[rev].append(measure(path, extra, tree / "src"))
        finally:
            subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)], check=False)
    size = path.stat().st_size / 1e6
    for name, rs in runs.items():
        seconds = sorted(r["seconds"] for r in rs)
        cpu = sorted(r["cpu_seconds"] for r in rs)
        print(f"{name:>12}: median {size / seconds[len(seconds) // 2]:.1f} MB/s, "
              f"CPU median {cpu[len(cpu) // 2]:.1f} s; "
              f"runs {', '.join(f'{s:.2f}' for s in (r['seconds'] for r in rs))} s")
    print(json.dumps({name: [{k: round(v, 2) for k, v in r.items()} for r in rs] for name, rs in runs.items()}))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=1000)
    ap.add_argument("--format", choices=["sft", "dpo"], default="sft")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs; the fastest is reported, and the median")
    ap.add_argument("--args", default="", help="extra ftlint arguments, e.g. \"--select FT0,FT1\"")
    ap.add_argument("--file", help="benchmark this file instead of generated data")
    ap.add_argument("--prompt-rules", type=int, default=75, help="passed to generate.py")
    ap.add_argument("--all-plugins", action="store_true", help="keep installed third-party plugins enabled")
    ap.add_argument("--cache", action="store_true", help="let runs use ftlint's cache (the first run fills it; "
                                                          "the others measure reruns)")
    ap.add_argument("--against", metavar="REV", help="also run git revision REV, alternating with this checkout "
                    "--repeat times, and print both medians")
    opts = ap.parse_args(argv)
    global ALL_PLUGINS, CACHE
    ALL_PLUGINS = opts.all_plugins
    CACHE = opts.cache
    path = Path(opts.file) if opts.file else ensure_data(opts.size_mb, opts.format, opts.seed, opts.prompt_rules)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))
    if opts.against:
        return compare(path, shlex.split(opts.args), opts.against, opts.repeat)
    runs = [measure(path, shlex.split(opts.args)) for _ in range(opts.repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    result = {
        "file": str(path), "bytes": size, "examples": lines, "args": opts.args,
        "seconds": round(best["seconds"], 2), "mb_per_s": round(size / 1e6 / best["seconds"], 1),
        "examples_per_s": round(lines / best["seconds"]), "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "peak_all_processes_mb": round(max(r["peak_tree_rss_mb"] for r in runs), 1),
        "cpu_seconds": round(best["cpu_seconds"], 1), "host_check_ms": round(best["host_check_ms"]),
        "median_mb_per_s": round(size / 1e6 / sorted(r["seconds"] for r in runs)[len(runs) // 2], 1),
        "runs": [round(r["seconds"], 2) for r in runs],
        "host_checks_ms": [round(r["host_check_ms"]) for r in runs],
    }
    median = f" (median of {len(runs)}: {result['median_mb_per_s']} MB/s)" if len(runs) > 1 else ""
    print(f"{size / 1e6:,.0f} MB, {lines:,} examples in {best['seconds']:.2f} s: {result['mb_per_s']} MB/s{median}, "
          f"{result['examples_per_s']:,} examples/s, peak RSS {result['peak_rss_mb']} MB (largest process), "
          f"{result['peak_all_processes_mb']} MB (all processes: sum of PSS, sampled every 250 ms); "
          f"CPU {result['cpu_seconds']} s; host check {result['host_check_ms']} ms (a fixed loop, before and after)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
