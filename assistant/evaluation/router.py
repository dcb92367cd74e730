"""The safety router's scores in `assistant eval`: recall per routed label and the share of
ordinary messages routed by mistake, on the labelled bank (what the classifier was fitted on)
and on the held-out messages (never fitted on), with the gate's lines for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.safety import SafetyRouter
from assistant.safety_classifier import read_bank, scores
from assistant.settings import PROJECT_ROOT

SETS = {
    "bank": PROJECT_ROOT / "evals" / "safety_bank.jsonl",
    "holdout": PROJECT_ROOT / "evals" / "safety_holdout.jsonl",
}
METRICS = ("danger", "distress", "report")


def router_scores(router: SafetyRouter, sets: dict[str, Path] = SETS) -> dict[str, Any]:
    """Per set: recall of each routed label, false routing of ordinary messages, misses."""
    out: dict[str, Any] = {"classifier": router.problem or "loaded"}
    for name, path in sets.items():
        if not path.is_file():
            continue
        result = scores(read_bank(path), lambda text: getattr(router.route(text), "label", None))
        out[name] = {label: {k: v for k, v in s.items()} for label, s in result.items()}
    return out


def router_rows(data: dict[str, Any]) -> list[list[str]]:
    """Table rows: set, n and recall per label, false routing."""
    rows = [["set", "danger", "distress", "report", "ordinary routed"]]
    for name in SETS:
        s = data.get(name)
        if not s:
            continue
        cells = [name]
        for label in METRICS:
            cells.append(
                f"{100 * s[label]['recall']:.1f}% of {s[label]['n']}" if label in s else "-"
            )
        none = s.get("none")
        cells.append(f"{100 * none['false_routing']:.1f}% of {none['n']}" if none else "-")
        rows.append(cells)
    return rows


def gated(data: dict[str, Any]) -> dict[str, Any]:
    """The router figures the baseline keeps: recall per label, false routing, per set."""
    out: dict[str, Any] = {}
    for name in SETS:
        s = data.get(name)
        if not s:
            continue
        out[name] = {f"recall_{k}": round(s[k]["recall"], 4) for k in METRICS if k in s}
        if "none" in s:
            out[name]["false_routing"] = round(s["none"]["false_routing"], 4)
    return out


def gate_lines(current: dict[str, Any], accepted: dict[str, Any]) -> list[str]:
    """Gate lines: a recall below the baseline, false routing above it, or a classifier that
    did not load."""
    lines = []
    if current.get("classifier") != "loaded":
        lines.append(f"gate: safety classifier not loaded ({current.get('classifier')})")
    now = gated(current)
    for name, then in accepted.items():
        for metric, value in then.items():
            got = now.get(name, {}).get(metric)
            if got is None:
                lines.append(f"gate: router {metric} {name} n/a (baseline {value:g})")
            elif metric == "false_routing" and got > value + 1e-6:
                lines.append(f"gate: router {metric} {name} {got:g} > baseline {value:g}")
            elif metric != "false_routing" and got < value - 1e-6:
                lines.append(f"gate: router {metric} {name} {got:g} < baseline {value:g}")
    return lines
