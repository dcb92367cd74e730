"""Regression gate: compare a run's scores with the accepted ones in evals/baseline.json.

Rates (correctness, retrieval, refusals) may not fall below the baseline; counts (invariant
violations, in-scope refusals, errors) may not rise above it. Latency is noisy (a CI machine
may be busy), so it is only held to a generous ceiling, three times the DESIGN.md budget,
that catches a gross slowdown; `assistant bench` measures against the budget itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import InputFileError
from assistant.evaluation.scoring import COUNT_METRICS, RATE_METRICS
from assistant.settings import PROJECT_ROOT

BASELINE_PATH = PROJECT_ROOT / "evals" / "baseline.json"
LATENCY_CEILING_MS = {"latency_p50_ms": 150.0, "latency_p95_ms": 450.0}
TOLERANCE = 1e-6  # rates are stored to 4 places; only a real drop fails


def fmt(value: float) -> str:
    """Short number for gate lines: 0.97, 1, 12.5."""
    return f"{round(float(value), 4):g}"


def baseline_from(
    summary: dict[str, Any], meta: dict[str, Any], router: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The baseline document for a run: its gated scores plus where they came from."""
    from assistant.evaluation.router import gated

    document = {
        "about": "Accepted scores for `assistant eval --gate`; "
        "refresh with `assistant eval --update-baseline`.",
        "updated": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": meta.get("commit", "unknown"),
        "testset_sha256": meta.get("testset_sha256", ""),
        "cases": meta.get("cases", 0),
        "latency_ceiling_ms": dict(LATENCY_CEILING_MS),
        "overall": _gated(summary["overall"]),
        "categories": {name: _gated(m) for name, m in summary["categories"].items()},
    }
    if router:
        document["router"] = gated(router)
    return document


def _gated(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics the gate checks, without those that do not apply."""
    keep = (*RATE_METRICS, *COUNT_METRICS)
    return {k: metrics[k] for k in keep if metrics.get(k) is not None}


def load_baseline(path: Path = BASELINE_PATH) -> dict[str, Any]:
    """The baseline document; InputFileError with one line when missing or malformed."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(
            f"{path}: baseline not found (create it with `assistant eval --update-baseline`)"
        ) from None
    except json.JSONDecodeError as error:
        raise InputFileError(f"{path}: not valid JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("overall"), dict):
        raise InputFileError(f'{path}: not a baseline file (no "overall" scores)')
    return data


def write_baseline(document: dict[str, Any], path: Path = BASELINE_PATH) -> None:
    """Write the baseline document."""
    try:
        Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise InputFileError(f"{path}: cannot write ({error.strerror or error})") from None


NOTHING_TO_MEASURE_IS_FINE = frozenset({"refusal_precision"})


def group_failures(name: str, current: dict[str, Any], accepted: dict[str, Any]) -> list[str]:
    """Gate lines for one group (overall or a category)."""
    lines = []
    for metric in RATE_METRICS:
        now, then = current.get(metric), accepted.get(metric)
        if now is None and metric in NOTHING_TO_MEASURE_IS_FINE:
            continue  # e.g. no refusals at all: none of them can be wrong
        if then is not None and (now is None or now < then - TOLERANCE):
            lines.append(
                f"gate: {metric} {name} {'n/a' if now is None else fmt(now)} < baseline {fmt(then)}"
            )
    for metric in COUNT_METRICS:
        now, then = current.get(metric), accepted.get(metric)
        if then is not None and now is not None and now > then:
            lines.append(f"gate: {metric} {name} {now} > baseline {then}")
    return lines


def latency_failures(overall: dict[str, Any], ceilings: dict[str, float]) -> list[str]:
    """Gate lines for overall latency above its ceiling."""
    lines = []
    for metric, ceiling in ceilings.items():
        value = overall.get(metric)
        if value is not None and value > ceiling:
            lines.append(f"gate: {metric} overall {fmt(value)} > ceiling {fmt(ceiling)}")
    return lines


def gate_failures(
    summary: dict[str, Any], baseline: dict[str, Any], router: dict[str, Any] | None = None
) -> list[str]:
    """One line per metric that got worse than the baseline; [] when the gate passes."""
    from assistant.evaluation.router import gate_lines

    lines = group_failures("overall", summary["overall"], baseline["overall"])
    if baseline.get("router"):
        lines += gate_lines(router or {"classifier": "not run"}, baseline["router"])
    for name, accepted in baseline.get("categories", {}).items():
        current = summary["categories"].get(name)
        if current is None:
            lines.append(f"gate: category {name} has no cases in this run")
            continue
        lines += group_failures(name, current, accepted)
    ceilings = baseline.get("latency_ceiling_ms") or LATENCY_CEILING_MS
    return lines + latency_failures(summary["overall"], ceilings)
