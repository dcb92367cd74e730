"""Present a run: terminal table, JSON, and markdown + JSON reports under evals/reports/."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import InputFileError
from assistant.evaluation.scoring import RATE_METRICS, CaseResult
from assistant.settings import PROJECT_ROOT

REPORTS_DIR = PROJECT_ROOT / "evals" / "reports"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("cases", "n"),
    ("answer_correct", "correct"),
    ("kind_correct", "kind"),
    ("citation_correct", "cite"),
    ("hit_at_1", "hit@1"),
    ("hit_at_3", "hit@3"),
    ("hit_at_5", "hit@5"),
    ("mrr", "MRR"),
    ("refusal_precision", "refuse P"),
    ("refusal_recall", "refuse R"),
    ("in_scope_refused", "wrongly refused"),
    ("invariant_violations", "inv"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)
PERCENT = set(RATE_METRICS) - {"mrr"}  # every rate but MRR reads as a percentage


def cell(metric: str, value: Any) -> str:
    """One table cell: rates as percentages, MRR to 3 places, latency to 1, "-" when n/a."""
    if value is None:
        return "-"
    if metric in PERCENT:
        return f"{value * 100:.1f}%"
    if metric == "mrr":
        return f"{value:.3f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def table_rows(summary: dict[str, Any]) -> list[list[str]]:
    """Header, one row per category, then the overall row."""
    rows = [["category", *(label for _, label in COLUMNS)]]
    groups = [*summary["categories"].items(), ("overall", summary["overall"])]
    rows += [[name, *(cell(m, metrics.get(m)) for m, _ in COLUMNS)] for name, metrics in groups]
    return rows


def align(rows: Sequence[Sequence[str]], footer: bool = True) -> str:
    """Rows aligned for a terminal: first column left, the rest right; a rule above a footer."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    rule = "-" * len(lines[0])
    body = [*lines[1:-1], rule, lines[-1]] if footer else lines[1:]
    return "\n".join([lines[0], rule, *body])


def format_table(summary: dict[str, Any]) -> str:
    """The per-category table with the overall row last."""
    return align(table_rows(summary))


def markdown_table(rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table; the first row is the header."""
    escape = [[c.replace("|", "\\|") for c in row] for row in rows]
    out = ["| " + " | ".join(escape[0]) + " |", "|" + "---|" * len(escape[0])]
    return "\n".join(out + ["| " + " | ".join(row) + " |" for row in escape[1:]])


def format_failures(results: Sequence[CaseResult], limit: int = 25) -> str:
    """One line per failed case (id, category, reasons), at most `limit` lines."""
    failed = [r for r in results if not r.correct or r.violations]
    lines = [f"FAIL {r.id} [{r.category}]: {'; '.join(r.reasons())}" for r in failed[:limit]]
    if len(failed) > limit:
        lines.append(f"... and {len(failed) - limit} more (see the markdown report)")
    return "\n".join(lines)


def git_commit(root: Path = PROJECT_ROOT) -> str:
    """Short HEAD commit, with "+dirty" when tracked files changed; "unknown" outside git."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def file_digest(path: Path) -> str:
    """First 12 hex digits of a file's SHA-256."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def display_path(path: Path) -> str:
    """A path relative to the project when inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def run_metadata(testset: Path, cases: int, stamp: dict[str, Any]) -> dict[str, Any]:
    """When, at which commit, on which test set and index a run happened."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "testset": display_path(testset),
        "testset_sha256": file_digest(testset) if Path(testset).is_file() else "",
        "cases": cases,
        "index_stamp": dict(stamp),
    }


def payload(
    meta: dict[str, Any],
    summary: dict[str, Any],
    results: Sequence[CaseResult],
    comparison: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything about a run as one JSON-able object (--json and the report's .json)."""
    data = {"meta": meta, "summary": summary, "results": [r.to_dict() for r in results]}
    if comparison is not None:
        data["comparison"] = comparison
    return data


def markdown_report(data: dict[str, Any]) -> str:
    """The markdown report of a run payload."""
    meta, stamp = data["meta"], data["meta"].get("index_stamp", {})
    lines = [
        f"# Evaluation report {meta['date']}",
        "",
        f"- Commit: `{meta['commit']}`",
        f"- Test set: `{meta['testset']}` ({meta['cases']} cases, sha256 {meta['testset_sha256']})",
        "- Index stamp: " + ", ".join(f"{k} `{v}`" for k, v in stamp.items()),
        "",
        "## Scores per category",
        "",
        markdown_table(table_rows(data["summary"])),
    ]
    if data.get("comparison"):
        from assistant.evaluation.compare import comparison_rows

        lines += [
            "",
            "## Stock LlamaIndex pipeline, side by side",
            "",
            data["comparison"].get("description", ""),
            "",
            markdown_table(comparison_rows(data["comparison"])),
        ]
    if data.get("router"):
        from assistant.evaluation.router import router_rows

        lines += [
            "",
            "## Safety router",
            "",
            f"Classifier: {data['router'].get('classifier')}. Recall per route and the share of "
            "ordinary messages routed by mistake; `bank` is what the classifier was fitted on, "
            "`holdout` was never fitted on.",
            "",
            markdown_table(router_rows(data["router"])),
        ]
    lines += ["", "## Failures", "", *failure_markdown(data["results"])]
    return "\n".join(lines) + "\n"


def failure_markdown(results: Sequence[dict[str, Any]]) -> list[str]:
    """Markdown list items for failed cases: question, expected facts, answer given."""
    items = [CaseResult.from_dict(r) for r in results]
    failed = [r for r in items if not r.correct or r.violations]
    if not failed:
        return ["None: every case passed."]
    out = []
    for r in failed:
        question = r.question if len(r.question) <= 200 else r.question[:200] + "..."
        out += [
            f"- **{r.id}** ({r.category}): {'; '.join(r.reasons())}",
            f"  - question: {json.dumps(question, ensure_ascii=False)}",
            f"  - expected: {' or '.join(r.expected_kinds)}; facts {r.expected_facts}",
            f"  - answer ({r.kind}): {json.dumps(r.text[:400], ensure_ascii=False)}",
        ]
    return out


def write_report(
    data: dict[str, Any], markdown: str, directory: Path = REPORTS_DIR, prefix: str = "eval"
) -> Path:
    """Write <prefix>-<UTC time>.md and .json into directory; returns the markdown path."""
    stem = f"{prefix}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{stem}.md").write_text(markdown, encoding="utf-8")
        (directory / f"{stem}.json").write_text(
            json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    except OSError as error:
        message = f"{directory}: cannot write report ({error.strerror or error})"
        raise InputFileError(message) from None
    return directory / f"{stem}.md"


def report_paths(directory: Path = REPORTS_DIR) -> list[Path]:
    """The runs' reports in directory, newest first: each run's .json where it was kept, else
    its .md (only the markdown is committed, so a fresh clone has no .json)."""
    by_stem: dict[str, Path] = {}
    for path in Path(directory).glob("eval-*.md"):
        by_stem.setdefault(path.stem, path)
    for path in Path(directory).glob("eval-*.json"):
        by_stem[path.stem] = path
    return [by_stem[stem] for stem in sorted(by_stem, reverse=True)]


def load_report(path: Path) -> dict[str, Any] | None:
    """A run payload from its .json, or read back from its markdown report; None if unreadable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    if path.suffix == ".md":
        data = read_markdown_report(text)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return None
    if not isinstance(data, dict) or "summary" not in data:
        return None
    return {**data, "path": str(path)}


def latest_report(directory: Path = REPORTS_DIR) -> dict[str, Any] | None:
    """The newest readable run report in directory (.json, else the committed .md), or None."""
    for path in report_paths(directory):
        data = load_report(path)
        if data is not None:
            return data
    return None


_LABELS = {label: metric for metric, label in COLUMNS}
_MD_TITLE = re.compile(r"^# Evaluation report (?P<date>\S+)$", re.M)
_MD_COMMIT = re.compile(r"^- Commit: `(?P<commit>[^`]*)`$", re.M)
_MD_TESTSET = re.compile(
    r"^- Test set: `(?P<testset>[^`]*)` \((?P<cases>\d+) cases, sha256 (?P<sha>\w*)\)$", re.M
)
_MD_STAMP = re.compile(r"^- Index stamp: (?P<stamp>.*)$", re.M)
_MD_FAILURE = re.compile(r"^- \*\*(?P<id>.+?)\*\* \((?P<category>[^)]*)\): (?P<why>.*)$")
_MD_EXPECTED = re.compile(r"^  - expected: (?P<kinds>.*?); facts (?P<facts>\[.*\])$")
_MD_ANSWER = re.compile(r"^  - answer \((?P<kind>[^)]*)\): (?P<text>.*)$")


def read_markdown_report(text: str) -> dict[str, Any] | None:
    """A run payload read back from markdown_report's text: meta, summary and the failures
    (as rows, since the markdown keeps no full results); None if it is not such a report."""
    title, scores = _MD_TITLE.search(text), _section(text, "Scores per category")
    if title is None or not scores:
        return None
    commit, testset = _MD_COMMIT.search(text), _MD_TESTSET.search(text)
    stamp = _MD_STAMP.search(text)
    rows = [_md_cells(line) for line in scores if line.startswith("|")]
    header, body = rows[0], [r for r in rows[2:] if r]
    metrics = [_LABELS.get(label) for label in header[1:]]
    groups = {
        row[0]: {m: _parse_cell(m, v) for m, v in zip(metrics, row[1:], strict=False) if m}
        for row in body
    }
    overall = groups.pop("overall", {})
    meta = {
        "date": title["date"],
        "commit": commit["commit"] if commit else "unknown",
        "testset": testset["testset"] if testset else "",
        "testset_sha256": testset["sha"] if testset else "",
        "cases": int(testset["cases"]) if testset else overall.get("cases", 0),
        "index_stamp": dict(re.findall(r"(\w+) `([^`]*)`", stamp["stamp"])) if stamp else {},
    }
    summary = {"categories": groups, "overall": overall}
    failures = _md_failures(_section(text, "Failures"))
    return {"meta": meta, "summary": summary, "results": [], "failures": failures}


def _section(text: str, heading: str) -> list[str]:
    """The lines under a '## heading' of a markdown report, up to the next heading."""
    lines = text.splitlines()
    try:
        start = lines.index(f"## {heading}") + 1
    except ValueError:
        return []
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return [line for line in lines[start:end] if line.strip()]


def _md_cells(line: str) -> list[str]:
    """The cells of a markdown table line (escaped pipes kept as pipes)."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [c.strip().replace("\\|", "|") for c in cells]


def _parse_cell(metric: str, shown: str) -> Any:
    """A metric's value back from its cell (the inverse of `cell`)."""
    if shown == "-":
        return None
    try:
        if metric in PERCENT:
            return float(shown.rstrip("%")) / 100
        return float(shown) if "." in shown else int(shown)
    except ValueError:
        return None


def _md_failures(lines: list[str]) -> list[dict[str, str]]:
    """Failure rows (the tab's columns) from the markdown report's failures list."""
    out: list[dict[str, str]] = []
    for line in lines:
        if found := _MD_FAILURE.match(line):
            out.append(
                {
                    "id": found["id"],
                    "category": found["category"],
                    "question": "",
                    "expected kind": "",
                    "expected facts": "",
                    "answer kind": "",
                    "answer given": "",
                    "why it failed": found["why"],
                }
            )
        elif out and line.startswith("  - question: "):
            out[-1]["question"] = _json_text(line.removeprefix("  - question: "))
        elif out and (found := _MD_EXPECTED.match(line)):
            out[-1]["expected kind"] = found["kinds"]
            out[-1]["expected facts"] = "; ".join(_literal_list(found["facts"]))
        elif out and (found := _MD_ANSWER.match(line)):
            out[-1]["answer kind"] = found["kind"]
            out[-1]["answer given"] = _json_text(found["text"])
    return out


def _json_text(shown: str) -> str:
    """A JSON string as written in the report, else the text as it stands."""
    try:
        value = json.loads(shown)
    except json.JSONDecodeError:
        return shown
    return value if isinstance(value, str) else shown


def _literal_list(shown: str) -> list[str]:
    """A Python list of strings as written in the report (expected facts)."""
    try:
        value = ast.literal_eval(shown)
    except (ValueError, SyntaxError):
        return [shown]
    return [str(v) for v in value] if isinstance(value, list) else [shown]
