"""Move test sets to and from LlamaIndex's LabelledRagDataset JSON.

The file is what `LabelledRagDataset.save_json` writes and `from_json` reads:
``{"examples": [{"query", "query_by", "reference_contexts", "reference_answer",
"reference_answer_by"}]}`` with ``query_by``/``reference_answer_by`` as CreatedBy objects
(``{"model_name": "", "type": "human"}``). Each exported example also carries the full case
under ``"test_case"``; LlamaIndex ignores unknown keys, and import uses it for a lossless
round trip (a file without it is read from the LabelledRagDataset fields alone).
(llama-index-core 0.14 no longer ships `llama_index.core.llama_dataset`, so the format is
written here rather than through those classes.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.errors import InputFileError
from assistant.evaluation.testset import Case, Warn, case_to_dict, contains_fact, parse_case

CASE_KEY = "test_case"

HUMAN = {"model_name": "", "type": "human"}
MAX_CONTEXTS = 3
KIND_ANSWERS = {
    "not_found": "The annual report doesn't cover that.",
    "emergency": "Call 999 now.",
    "report": "Report it on 101 or online.",
    "invalid": "The question could not be read.",
}
_NUMBER = re.compile(r"£?\d[\d,]*(?:\.\d+)?%?")

SectionTexts = dict[str, list[str]]


def section_texts(corpus_dir: Path) -> SectionTexts:
    """Paragraph and table blocks of every report section, keyed by section title."""
    from assistant.corpus import load_corpus
    from assistant.repair import parse_document

    out: SectionTexts = {}
    for document in load_corpus(corpus_dir):
        for section in parse_document(document):
            out.setdefault(section.title, []).extend(block.raw for block in section.blocks)
    return out


def to_labelled_rag(cases: Sequence[Case], sections: SectionTexts) -> dict[str, Any]:
    """A LabelledRagDataset JSON object for the cases."""
    return {"examples": [_example(case, sections) for case in cases]}


def _example(case: Case, sections: SectionTexts) -> dict[str, Any]:
    """One LabelledRagDataExample; follow-ups fold their history into the query."""
    return {
        "query": " ".join([*case.history, case.full_question]),
        "query_by": dict(HUMAN),
        "reference_contexts": reference_contexts(case, sections),
        "reference_answer": reference_answer(case),
        "reference_answer_by": dict(HUMAN),
        CASE_KEY: case_to_dict(case),
    }


def reference_answer(case: Case) -> str:
    """The expected facts as a short answer, or the fixed wording for refusals."""
    if case.must_contain and case.kinds[0] not in ("emergency", "report", "invalid"):
        return "; ".join(case.must_contain)
    return KIND_ANSWERS.get(case.kinds[0], "; ".join(case.must_contain))


def reference_contexts(case: Case, sections: SectionTexts) -> list[str]:
    """Blocks of the expected sections that hold at least one expected fact."""
    found: list[str] = []
    for title in case.sections:
        for block in sections.get(title, []):
            if any(contains_fact(block, fact) for fact in case.must_contain) and block not in found:
                found.append(block)
    return found[:MAX_CONTEXTS]


def write_labelled_rag(cases: Sequence[Case], sections: SectionTexts, path: Path) -> None:
    """Write the LabelledRagDataset JSON file."""
    try:
        Path(path).write_text(
            json.dumps(to_labelled_rag(cases, sections), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    except OSError as error:
        raise InputFileError(f"{path}: cannot write ({error.strerror or error})") from None


def read_labelled_rag(path: Path, sections: SectionTexts, warn: Warn | None = None) -> list[Case]:
    """Cases from a LabelledRagDataset JSON file (ours or made by LlamaIndex tooling)."""
    examples = _examples(path)
    cases = [
        from_example(ex, i, sections, f"{path}: example {i}", warn)
        for i, ex in enumerate(examples, start=1)
    ]
    seen: set[str] = set()
    for i, case in enumerate(cases, start=1):
        if case.id in seen:
            raise InputFileError(f'{path}: example {i}: duplicate id "{case.id}"')
        seen.add(case.id)
    return cases


def _examples(path: Path) -> list[Any]:
    """The "examples" list of the file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(f"{path}: file not found") from None
    except json.JSONDecodeError as error:
        raise InputFileError(f"{path}: not valid JSON ({error.msg}, line {error.lineno})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path}: cannot read ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("examples"), list):
        raise InputFileError(f'{path}: not a LabelledRagDataset file (no "examples" list)')
    if not data["examples"]:
        raise InputFileError(f"{path}: the dataset has no examples")
    return data["examples"]


def from_example(
    example: Any, number: int, sections: SectionTexts, where: str, warn: Warn | None = None
) -> Case:
    """One case: the embedded case when present, else built from query and references."""
    if not isinstance(example, dict):
        raise InputFileError(f"{where}: expected a JSON object")
    if isinstance(example.get(CASE_KEY), dict):
        return parse_case(example[CASE_KEY], where, warn)
    query = example.get("query")
    if not isinstance(query, str) or not query.strip():
        raise InputFileError(f'{where}: missing "query"')
    contexts = [c for c in example.get("reference_contexts") or [] if isinstance(c, str)]
    answer = str(example.get("reference_answer") or "")
    facts = _checkable_numbers(answer, contexts)
    if not facts and warn is not None:
        warn(f"{where}: no figure to check in the reference answer; add must_contain by hand")
    return Case(
        id=f"llamaindex-{number:03d}",
        category="descriptive",
        question=query,
        kinds=("answer", "statistic"),
        must_contain=tuple(facts),
        sections=tuple(sections_holding(contexts, sections)),
        notes=f"Imported from LlamaIndex. Reference answer: {answer}"[:500],
    )


def _checkable_numbers(answer: str, contexts: Sequence[str]) -> list[str]:
    """Numbers in the reference answer that also appear in its contexts."""
    numbers = [n.rstrip(",.") for n in _NUMBER.findall(answer)]
    joined = "\n".join(contexts)
    return list(dict.fromkeys(n for n in numbers if not contexts or contains_fact(joined, n)))


def sections_holding(contexts: Sequence[str], sections: SectionTexts) -> list[str]:
    """Titles of the sections whose text contains any of the contexts."""
    wanted = [_squash(c)[:200] for c in contexts if c.strip()]
    titles = []
    for title, blocks in sections.items():
        body = _squash("\n".join(blocks))
        if any(w and w in body for w in wanted):
            titles.append(title)
    return titles


def _squash(text: str) -> str:
    """Whitespace-collapsed, case-folded text for containment checks."""
    return re.sub(r"\s+", " ", text).strip().casefold()
