"""`assistant bench`: build time, first answer after start, warm latency and memory vs budget.

The index is built into a temporary folder (timed in this process); then a fresh Python
process opens it, answers one question (time since it was launched = first answer after
start), answers every test-set question warm, and reports its peak resident memory.

`--compare` also times the stock LlamaIndex pipeline (`assistant/evaluation/compare.py`) on the
same questions, in its own fresh process in the same run, and prints its p50 and ours per
category with the ratio (stock p50 / our p50: above 1.0x we are faster).

`--reports 1,10,100` measures how those figures grow with the corpus: for each N a temporary
corpus of the seed report (the first in the corpus folder) and N-1 synthetic ones
(`assistant/evaluation/synthetic.py`) is built in a fresh process (timed there, model
loading included) and served by another, as above.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evaluation import report
from assistant.evaluation.compare import MIN_RATIO_MS
from assistant.evaluation.scoring import percentile
from assistant.settings import PROJECT_ROOT, Settings

DEFAULT_TESTSET = PROJECT_ROOT / "evals" / "testset.jsonl"
RESULT_MARK = "BENCH-RESULT "
FALLBACK_QUESTIONS = (
    "What are the priorities for next year?",
    "How much was spent in total?",
    "Who is the Police and Crime Commissioner?",
    "What is the weather today?",
)
# (figure, label, unit, budget): DESIGN.md's budget on a 2-core CPU.
BUDGET: tuple[tuple[str, str, str, float], ...] = (
    ("build_s", "index build", "s", 30.0),
    ("first_answer_s", "first answer after start", "s", 10.0),
    ("warm_p50_ms", "warm answer p50", "ms", 50.0),
    ("warm_p95_ms", "warm answer p95", "ms", 150.0),
    ("peak_rss_mb", "serving memory (peak RSS)", "MB", 1536.0),
    ("router_p50_ms", "safety router p50", "ms", 15.0),
    ("router_p95_ms", "safety router p95", "ms", 15.0),
)
SAFETY_BANK = PROJECT_ROOT / "evals" / "safety_bank.jsonl"
REPORTS_SAMPLE = 100  # questions asked warm per corpus size with --reports (unless --limit)
# (figure, column heading, decimals): what --reports tables against N, each with its growth.
GROWTH: tuple[tuple[str, str, int], ...] = (
    ("build_s", "build s", 1),
    ("first_answer_s", "first answer s", 1),
    ("warm_p50_ms", "warm p50 ms", 1),
    ("warm_p95_ms", "warm p95 ms", 1),
    ("peak_rss_mb", "peak RSS MB", 0),
)


def configure_parser(p: argparse.ArgumentParser) -> None:
    """Arguments of `assistant bench`."""
    p.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    p.add_argument(
        "--file",
        type=Path,
        default=DEFAULT_TESTSET,
        help="Test set whose questions are asked warm (default: evals/testset.jsonl).",
    )
    p.add_argument("--rounds", type=int, default=1, help="Times each question is asked warm.")
    p.add_argument(
        "--report",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Write a markdown + JSON benchmark report (default: yes).",
    )
    p.add_argument(
        "--reports-dir",
        type=Path,
        default=report.REPORTS_DIR,
        help="Where reports go (default: evals/reports).",
    )
    p.add_argument(
        "--reports",
        type=report_counts,
        default=None,
        help="Corpus sizes to measure, e.g. 1,10,100: the seed report plus N-1 synthetic ones, "
        "each built and served in fresh processes; prints how each figure grows.",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        help=f"Ask only the first K test-set questions warm (default: all; {REPORTS_SAMPLE} "
        "with --reports).",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="Seed of the synthetic reports (with --reports)."
    )
    p.add_argument(
        "--compare",
        action="store_true",
        help="Also time the stock LlamaIndex pipeline on the same questions (its own fresh "
        "process, same run) and print the p50 ratio per category.",
    )


def report_counts(text: str) -> list[int]:
    """'1,10,100' -> [1, 10, 100]: distinct corpus sizes, each at least 1, in order."""
    try:
        counts = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 1,10,100") from None
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: each corpus size must be at least 1")
    return counts


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Measure every budgeted figure and print it against the budget."""
    if getattr(args, "reports", None):
        return run_reports(args, settings)
    cases = bench_cases(args.file)[: getattr(args, "limit", None)]
    questions = [question for question, _ in cases]
    compare = getattr(args, "compare", False)
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        bench_settings = settings.model_copy(update={"index_dir": Path(tmp) / "index"})
        print("Building the index into a temporary folder ...", file=sys.stderr, flush=True)
        build_s = measure_build(bench_settings)
        print("Starting a fresh process to serve questions ...", file=sys.stderr, flush=True)
        serving = measure_serving(bench_settings, questions, max(args.rounds, 1), each=compare)
    ours = serving.pop("latencies", None)
    data: dict[str, Any] = {
        "meta": bench_meta(len(questions), max(args.rounds, 1)),
        "figures": {"build_s": round(build_s, 2), **serving},
    }
    if compare and ours is not None:
        print("Timing the stock LlamaIndex pipeline in a fresh process ...", file=sys.stderr)
        stock = _run_child(
            "--stock-child", {"settings": settings.model_dump(mode="json"), "questions": questions}
        )["latencies"]
        data["compare"] = side_by_side([c for _, c in cases], ours, stock)
    print(json.dumps(data, indent=2) if args.json else format_figures(data["figures"]))
    if "compare" in data and not args.json:
        print()
        print(report.align(compare_rows(data["compare"]), footer=True))
    if args.report:
        path = report.write_report(data, bench_markdown(data), args.reports_dir, prefix="bench")
        print(f"Report written to {path}", file=sys.stderr)
    return 0


def run_reports(args: argparse.Namespace, settings: Settings) -> int:
    """For each corpus size N: build and serve the seed plus N-1 synthetic reports; print how
    each figure grows relative to the smallest N. A size that fails ends the run; the sizes
    measured before it are still printed and reported (exit status 1)."""
    from assistant.evaluation.synthetic import first_manifest, generate

    questions = bench_questions(args.file)[: args.limit or REPORTS_SAMPLE]
    rounds = max(args.rounds, 1)
    seed_manifest = first_manifest(settings.corpus_dir)
    runs: list[dict[str, Any]] = []
    failed = ""
    with tempfile.TemporaryDirectory(prefix="assistant-bench-reports-") as tmp:
        root = Path(tmp)
        made = generate(seed_manifest, root / "synthetic", max(args.reports) - 1, args.seed)
        for n in args.reports:
            corpus = corpus_of(root / f"corpus-{n}", [seed_manifest, *made[: n - 1]])
            sized = settings.model_copy(
                update={"corpus_dir": corpus, "index_dir": root / f"index-{n}"}
            )
            try:
                runs.append({"reports": n, **measure_size(sized, n, questions, rounds)})
            except AssistantError as error:
                failed = f"N={n} not measured: {error}"
                break
            finally:
                shutil.rmtree(sized.index_dir, ignore_errors=True)
            print(f"N={n}: {json.dumps(runs[-1])}", file=sys.stderr, flush=True)
    if not runs:
        raise AssistantError(failed)
    meta = bench_meta(len(questions), rounds)
    meta |= {"seed": args.seed, "seed_report": seed_manifest.name}
    data = {"meta": meta, "runs": runs, **({"failed": failed} if failed else {})}
    print(json.dumps(data, indent=2) if args.json else format_growth(runs))
    if failed:
        print(f"error: {failed}", file=sys.stderr)
    if args.report:
        path = report.write_report(
            data, growth_markdown(data), args.reports_dir, prefix="bench-reports"
        )
        print(f"Report written to {path}", file=sys.stderr)
    return 1 if failed else 0


def measure_size(settings: Settings, n: int, questions: list[str], rounds: int) -> dict[str, Any]:
    """One corpus size: a timed build in a fresh process, then serving in another."""
    print(f"N={n}: building the index in a fresh process ...", file=sys.stderr, flush=True)
    build = measure_fresh_build(settings)
    print(f"N={n}: serving {len(questions)} questions ...", file=sys.stderr, flush=True)
    return build | measure_serving(settings, questions, rounds, router=False)


def corpus_of(folder: Path, manifests: list[Path]) -> Path:
    """A corpus folder holding these reports (each manifest and the text it names)."""
    folder.mkdir(parents=True)
    for manifest in manifests:
        text = json.loads(manifest.read_text(encoding="utf-8"))["file"]
        shutil.copyfile(manifest, folder / manifest.name)
        shutil.copyfile(manifest.parent / text, folder / text)
    return folder


def measure_fresh_build(settings: Settings) -> dict[str, Any]:
    """Build the index in a fresh process (model loading included): seconds, passages, cells
    and the builder's peak memory."""
    return _run_child("--build-child", {"settings": settings.model_dump(mode="json")})


def build_child_main() -> int:
    """In the fresh process: one timed build, its size and peak memory (JSON on stdout)."""
    job = json.loads(sys.stdin.read())
    from assistant.index import ensure_index

    started = time.perf_counter()
    stamp, _ = ensure_index(Settings(**job["settings"]), force=True, progress=None)
    figures = {
        "build_s": round(time.perf_counter() - started, 2),
        "passages": stamp["passages"],
        "cells": stamp["cells"],
        "build_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(RESULT_MARK + json.dumps(figures), flush=True)
    return 0


def growth_rows(runs: list[dict[str, Any]]) -> list[list[str]]:
    """Header plus one row per corpus size: each figure and its ratio to the first size's."""
    base = runs[0]
    header = ["reports", "passages"]
    for _, label, _ in GROWTH:
        header += [label, f"x N={base['reports']}"]
    rows = [header]
    for run in runs:
        row = [str(run["reports"]), str(run.get("passages", "-"))]
        for key, _, decimals in GROWTH:
            value, first = run.get(key), base.get(key)
            row.append("-" if value is None else f"{value:.{decimals}f}")
            row.append(f"{value / first:.2f}" if value is not None and first else "-")
        rows.append(row)
    return rows


def format_growth(runs: list[dict[str, Any]]) -> str:
    """The growth table, aligned for a terminal."""
    return report.align(growth_rows(runs), footer=False)


def _report_head(title: str, meta: dict[str, Any]) -> list[str]:
    """A markdown report's title, commit and machine lines."""
    return [
        f"# {title} {meta['date']}",
        "",
        f"- Commit: `{meta['commit']}`",
        f"- Machine: {meta['machine']}, {meta['cpus']} CPUs",
    ]


def growth_markdown(data: dict[str, Any]) -> str:
    """The markdown report of a --reports run."""
    meta = data["meta"]
    return "\n".join(
        [
            *_report_head("Benchmark by corpus size", meta),
            f"- Corpus: {meta['seed_report']} plus N-1 synthetic reports (seed {meta['seed']})",
            f"- Warm answers: the first {meta['questions']} test-set questions x "
            f"{meta['rounds']} round(s)",
            "- Build and serving each in a fresh process; build time includes loading the model",
            "",
            report.markdown_table(growth_rows(data["runs"])),
            "",
            *([f"Not measured: {data['failed']}", ""] if data.get("failed") else []),
        ]
    )


def bench_questions(path: Path) -> list[str]:
    """Every test-set question as sent (history ignored); a few built-ins without a file."""
    return [question for question, _ in bench_cases(path)]


def bench_cases(path: Path) -> list[tuple[str, str]]:
    """Every test-set question as sent (history ignored) with its category; a few built-ins
    (category "built-in") without a file."""
    from assistant.evaluation.testset import load_cases

    if not Path(path).is_file():
        return [(q, "built-in") for q in FALLBACK_QUESTIONS]
    return [(case.full_question, case.category) for case in load_cases(path)]


def side_by_side(
    categories: list[str], ours: list[float], stock: list[float | None]
) -> dict[str, Any]:
    """Per category and overall: how many questions, the stock pipeline's p50, ours, and the
    ratio stock / ours (above 1.0x we are faster). Questions the stock pipeline cannot take
    (empty ones) are left out of both sides; no ratio where ours is a fixed reply."""

    def group(rows: list[tuple[float, float]]) -> dict[str, Any]:
        stock_p50 = percentile([s for _, s in rows], 50)
        our_p50 = percentile([o for o, _ in rows], 50)
        return {
            "questions": len(rows),
            "stock_p50_ms": None if stock_p50 is None else round(stock_p50, 2),
            "our_p50_ms": None if our_p50 is None else round(our_p50, 2),
            "ratio": round(stock_p50 / our_p50, 2)
            if stock_p50 and our_p50 and our_p50 >= MIN_RATIO_MS
            else None,  # below MIN_RATIO_MS ours is a fixed reply: a ratio would mean nothing
        }

    paired = [(c, o, s) for c, o, s in zip(categories, ours, stock, strict=True) if s is not None]
    by_category = {
        name: group([(o, s) for c, o, s in paired if c == name])
        for name in dict.fromkeys(c for c, _, _ in paired)
    }
    return {
        "description": compare_description(),
        "categories": by_category,
        "overall": group([(o, s) for _, o, s in paired]),
    }


def compare_description() -> str:
    """What the stock side is, from the module that builds it."""
    from assistant.evaluation.compare import TOP_K

    return (
        "Stock LlamaIndex: SentenceSplitter defaults, VectorStoreIndex over the bundled MiniLM "
        f"model, top-k {TOP_K}, no LLM (retrieval only), timed per question in its own fresh "
        "process after one warm-up; ours: the full answer, timed in the serving process. "
        "Ratio = stock p50 / our p50 (above 1.0x we are faster)."
    )


def compare_rows(data: dict[str, Any]) -> list[list[str]]:
    """Header plus one row per category and overall, as display strings."""

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    rows = [["category", "questions", "stock p50 ms", "our p50 ms", "ratio"]]
    for name, g in [*data["categories"].items(), ("overall", data["overall"])]:
        ratio = "-" if g["ratio"] is None else f"{g['ratio']:.2f}x"
        rows.append([name, str(g["questions"]), ms(g["stock_p50_ms"]), ms(g["our_p50_ms"]), ratio])
    return rows


def stock_child_main() -> int:
    """In a fresh process: build the stock LlamaIndex retriever, warm it, time each question
    (None for an empty one, which it cannot take)."""
    from assistant.evaluation.compare import stock_retriever

    job = json.loads(sys.stdin.read())
    retriever = stock_retriever(Settings(**job["settings"]))
    questions = job["questions"]
    retriever.retrieve(next((q for q in questions if q.strip()), "report"))
    latencies: list[float | None] = []
    for question in questions:
        if not question.strip():
            latencies.append(None)
            continue
        started = time.perf_counter()
        retriever.retrieve(question)
        latencies.append(round((time.perf_counter() - started) * 1000, 3))
    print(RESULT_MARK + json.dumps({"latencies": latencies}), flush=True)
    return 0


def measure_build(settings: Settings) -> float:
    """Seconds to build the index from scratch (model loading included)."""
    from assistant.index import ensure_index

    started = time.perf_counter()
    ensure_index(settings, force=True, progress=None)
    return time.perf_counter() - started


def measure_serving(
    settings: Settings, questions: list[str], rounds: int, router: bool = True, each: bool = False
) -> dict[str, Any]:
    """Run the serving child on a built index; its first-answer, latency and memory figures
    (and the safety router's latency unless router is False; with each, "latencies": every
    question's p50 over the rounds, in order)."""
    job = {
        "t0": time.time(),
        "settings": settings.model_dump(mode="json"),
        "questions": questions,
        "rounds": rounds,
        "router": router,
        "each": each,
    }
    return _run_child("--child", job)


def _run_child(flag: str, job: dict[str, Any]) -> dict[str, Any]:
    """Run this module in a fresh Python process on the job; the figures it prints."""
    done = subprocess.run(
        [sys.executable, "-m", "assistant.evaluation.bench", flag],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        timeout=3600,
    )
    marked = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if done.returncode != 0 or not marked:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise AssistantError(f"benchmark process failed (exit {done.returncode}): {last}")
    return json.loads(marked[-1][len(RESULT_MARK) :])


def child_main() -> int:
    """In the fresh process: open, first answer, warm answers, peak memory (JSON on stdout)."""
    job = json.loads(sys.stdin.read())
    from assistant.assistant import Assistant

    assistant = Assistant.open(Settings(**job["settings"]))
    assistant.ask(job["questions"][0])
    first_answer_s = time.time() - job["t0"]
    latencies = []
    per_question: list[list[float]] = [[] for _ in job["questions"]]
    for _ in range(job["rounds"]):
        for i, question in enumerate(job["questions"]):
            started = time.perf_counter()
            assistant.ask(question)
            latencies.append((time.perf_counter() - started) * 1000)
            per_question[i].append(latencies[-1])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    figures: dict[str, Any] = {}
    if job.get("router", True):
        routing = router_latencies(assistant.router)
        figures["router_p50_ms"] = round(percentile(routing, 50) or 0.0, 2)
        figures["router_p95_ms"] = round(percentile(routing, 95) or 0.0, 2)
    figures |= {
        "first_answer_s": round(first_answer_s, 2),
        "warm_p50_ms": round(percentile(latencies, 50) or 0.0, 2),
        "warm_p95_ms": round(percentile(latencies, 95) or 0.0, 2),
        "warm_answers": len(latencies),
        "peak_rss_mb": round(peak_mb, 1),
    }
    if job.get("each"):
        figures["latencies"] = [round(percentile(t, 50) or 0.0, 3) for t in per_question]
    print(RESULT_MARK + json.dumps(figures), flush=True)
    return 0


def router_latencies(router: Any) -> list[float]:
    """Milliseconds the safety router takes per message of the labelled bank (warm)."""
    from assistant.safety_classifier import read_bank

    messages = [r["text"] for r in read_bank(SAFETY_BANK)] if SAFETY_BANK.is_file() else []
    out = []
    for text in messages or list(FALLBACK_QUESTIONS):
        started = time.perf_counter()
        router.route(text)
        out.append((time.perf_counter() - started) * 1000)
    return out


def bench_meta(questions: int, rounds: int) -> dict[str, Any]:
    """When, where and on what the benchmark ran."""
    from datetime import UTC, datetime

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": report.git_commit(),
        "cpus": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "questions": questions,
        "rounds": rounds,
    }


def figure_rows(figures: dict[str, Any]) -> list[list[str]]:
    """Header plus one row per budgeted figure: value, budget, verdict."""
    rows = [["figure", "measured", "budget", "verdict"]]
    for key, label, unit, budget in BUDGET:
        value = figures.get(key)
        verdict = "-" if value is None else "ok" if value < budget else "OVER BUDGET"
        shown = "-" if value is None else f"{value:.1f} {unit}"
        rows.append([label, shown, f"< {budget:g} {unit}", verdict])
    return rows


def format_figures(figures: dict[str, Any]) -> str:
    """The figures against the budget, aligned for a terminal."""
    return report.align(figure_rows(figures), footer=False)


def bench_markdown(data: dict[str, Any]) -> str:
    """The markdown benchmark report."""
    meta = data["meta"]
    return "\n".join(
        [
            *_report_head("Benchmark report", meta),
            f"- Warm answers: {meta['questions']} test-set questions x {meta['rounds']} round(s)",
            "",
            report.markdown_table(figure_rows(data["figures"])),
            "",
            *(
                [
                    "## Side by side with the stock LlamaIndex pipeline",
                    "",
                    data["compare"]["description"],
                    "",
                    report.markdown_table(compare_rows(data["compare"])),
                    "",
                ]
                if "compare" in data
                else []
            ),
        ]
    )


if __name__ == "__main__" and sys.argv[1:] == ["--child"]:
    sys.exit(child_main())
if __name__ == "__main__" and sys.argv[1:] == ["--build-child"]:
    sys.exit(build_child_main())
if __name__ == "__main__" and sys.argv[1:] == ["--stock-child"]:
    sys.exit(stock_child_main())
