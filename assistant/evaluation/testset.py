"""Test set cases: load and validate JSONL, normalise facts, write cases back out.

Every problem with a file is one line naming the file and line, e.g.
``evals/testset.jsonl:12: unknown kind "statistics"``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer import KINDS
from assistant.errors import InputFileError

CATEGORIES: tuple[str, ...] = (
    "performance_table",
    "accounts_table",
    "prose_figures",
    "descriptive",
    "casual",
    "follow_up",
    "out_of_scope",
    "safety",
    "steering",
    "contradictions",
    "invalid",
    "feedback",
)
REQUIRED_FIELDS: tuple[str, ...] = (
    "id",
    "category",
    "question",
    "kind",
    "must_contain",
    "sections",
)
OPTIONAL_FIELDS: tuple[str, ...] = (
    "question_repeat",
    "history",
    "must_not_contain",
    "pages",
    "conflict",
    "notes",
)
# Fields that feedback drafts carry for the evaluator's information; accepted and ignored.
INFO_FIELDS: tuple[str, ...] = ("answer_given", "comment", "created_at", "note", "source")
PLACEHOLDER = re.compile(r"^\s*(TODO|TBD|FIXME|XXX)\b|^\s*<[^>]*>\s*$", re.IGNORECASE)

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Case:
    """One test case, validated; `line` is where it sits in its file (0 when built in code)."""

    id: str
    category: str
    question: str
    kinds: tuple[str, ...]
    must_contain: tuple[str, ...] = ()
    must_not_contain: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    pages: str | None = None
    history: tuple[str, ...] = ()
    question_repeat: int | None = None
    conflict: bool = False
    notes: str = ""
    line: int = field(default=0, compare=False)

    @property
    def full_question(self) -> str:
        """The input actually sent: the question repeated `question_repeat` times."""
        return self.question * (self.question_repeat or 1)

    @property
    def in_scope(self) -> bool:
        """The report answers this case (every acceptable kind is answer or statistic)."""
        return set(self.kinds) <= {"answer", "statistic"}

    @property
    def out_of_scope(self) -> bool:
        """The only acceptable kind is not_found."""
        return self.kinds == ("not_found",)


# ---------------------------------------------------------------- fact normalisation

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_PER_CENT = re.compile(r"\s*(?:per\s*cent|percent|pc\b|%)")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_YEAR_RANGE = re.compile(r"\b((?:19|20)\d\d)\s*[-/]\s*(\d\d)\b(?!\s*[-/]\s*\d)")
_WORD_NUMBERS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b")
_TRAILING_ZEROS = re.compile(r"(\d)\.0+(?!\d)|(\d\.\d*?[1-9])0+(?!\d)")


def normalise(text: str) -> str:
    """Lower-case text with "1,719"->"1719", "per cent"->"%", "£" dropped, years as 2020/21,
    and small numbers in words as digits ("five" -> "5")."""
    text = text.replace("\u00a0", " ").replace("\u2019", "'").replace("\u2018", "'")
    text = _DASHES.sub("-", text).replace("£", "").lower()
    text = _THOUSANDS.sub("", text)
    text = _PER_CENT.sub("%", text)
    text = _YEAR_RANGE.sub(r"\1/\2", text)
    text = _TRAILING_ZEROS.sub(lambda m: m.group(1) or m.group(2), text)
    text = _NUMBER_WORD.sub(lambda m: _WORD_NUMBERS[m.group(1)], text)
    return re.sub(r"\s+", " ", text).strip()


def contains_fact(text: str, fact: str) -> bool:
    """Whether `fact` occurs in `text` after normalising both; numbers match whole numbers only."""
    needle = normalise(fact)
    if not needle:
        return True
    pattern = re.escape(needle)
    if needle[0].isdigit():
        pattern = r"(?<![\d.])" + pattern
    if needle[-1].isdigit():
        pattern += r"(?!\.?\d)"
    return re.search(pattern, normalise(text)) is not None


def missing_facts(text: str, facts: Iterable[str]) -> list[str]:
    """The facts not found in text."""
    return [fact for fact in facts if not contains_fact(text, fact)]


def present_facts(text: str, facts: Iterable[str]) -> list[str]:
    """The facts found in text (for must_not_contain)."""
    return [fact for fact in facts if contains_fact(text, fact)]


# ---------------------------------------------------------------- loading and validation


def is_locked(case_id: str) -> bool:
    """Whether a case is in the locked part of a test set (about a quarter, fixed by its id):
    scored by the gate, never used to fit or tune anything."""
    return hashlib.sha256(case_id.encode()).digest()[0] % 4 == 0


def load_cases(path: Path, warn: Warn | None = None) -> list[Case]:
    """Every case in a JSONL file; raises InputFileError with a file:line message."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"{path}: test set file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path}: cannot read test set ({error})") from None
    cases = parse_lines(text.splitlines(), str(path), warn)
    if not cases:
        raise InputFileError(f"{path}: no test cases in the file")
    return cases


def parse_lines(lines: Sequence[str], source: str, warn: Warn | None = None) -> list[Case]:
    """Cases from JSONL lines (blank lines skipped); ids must be unique."""
    cases: list[Case] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        case = parse_case(_json_object(raw, f"{source}:{number}"), f"{source}:{number}", warn)
        if case.id in first_line:
            raise InputFileError(
                f'{source}:{number}: duplicate id "{case.id}" (first on line {first_line[case.id]})'
            )
        first_line[case.id] = number
        cases.append(Case(**{**case.__dict__, "line": number}))
    return cases


def _json_object(raw: str, where: str) -> dict[str, Any]:
    """One JSON object from one line."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        message = f"{where}: not valid JSON ({error.msg}, column {error.colno})"
        raise InputFileError(message) from None
    if not isinstance(data, dict):
        raise InputFileError(f"{where}: expected a JSON object, got {type(data).__name__}")
    return data


def parse_case(data: dict[str, Any], where: str, warn: Warn | None = None) -> Case:
    """Validate one case object; `where` prefixes every error ("file:line")."""
    for name in REQUIRED_FIELDS:
        if name not in data:
            raise InputFileError(f'{where}: missing field "{name}"')
    if data.get("needs_completion"):
        raise InputFileError(
            f'{where}: draft case "{data.get("id")}" still needs completion '
            '(fill kind, must_contain and sections, then delete "needs_completion")'
        )
    known = set(REQUIRED_FIELDS) | set(OPTIONAL_FIELDS) | set(INFO_FIELDS) | {"needs_completion"}
    for name in sorted(set(data) - known):
        if warn is not None:
            warn(f'{where}: unknown field "{name}" ignored')
    return Case(
        id=_text(data, "id", where, allow_empty=False),
        category=_choice(data, "category", CATEGORIES, where),
        question=_text(data, "question", where),
        kinds=_kinds(data, where),
        must_contain=_strings(data, "must_contain", where),
        must_not_contain=_strings(data, "must_not_contain", where),
        sections=_strings(data, "sections", where),
        pages=_pages(data, where),
        history=_strings(data, "history", where),
        question_repeat=_repeat(data, where),
        conflict=_flag(data, "conflict", where),
        notes=str(data.get("notes") or ""),
    )


def _text(data: dict[str, Any], name: str, where: str, allow_empty: bool = True) -> str:
    """A string field (the question may be empty: invalid-input cases)."""
    value = data.get(name)
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        wanted = "a string" if allow_empty else "a non-empty string"
        raise InputFileError(f'{where}: field "{name}" must be {wanted}')
    return value


def _choice(data: dict[str, Any], name: str, allowed: Sequence[str], where: str) -> str:
    """One of the allowed values."""
    value = data.get(name)
    if value not in allowed:
        raise InputFileError(
            f"{where}: unknown {name} {json.dumps(value)} (expected one of {', '.join(allowed)})"
        )
    return str(value)


def _kinds(data: dict[str, Any], where: str) -> tuple[str, ...]:
    """The acceptable kinds: one kind or a non-empty list."""
    raw = data["kind"]
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values:
        raise InputFileError(f'{where}: field "kind" must be a kind or a non-empty list of kinds')
    for value in values:
        if value not in KINDS:
            raise InputFileError(
                f"{where}: unknown kind {json.dumps(value)} (expected one of {', '.join(KINDS)})"
            )
    return tuple(values)


def _strings(data: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    """A list of strings, none a draft placeholder."""
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputFileError(f'{where}: field "{name}" must be a list of strings')
    for item in value:
        if PLACEHOLDER.search(item):
            raise InputFileError(f'{where}: field "{name}" still holds the placeholder "{item}"')
    return tuple(value)


def _pages(data: dict[str, Any], where: str) -> str | None:
    """A page or page range, as a string."""
    value = data.get("pages")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not re.fullmatch(r"\d+(-\d+)?", value.strip()):
        raise InputFileError(f'{where}: field "pages" must be a page or range like "23" or "6-9"')
    return value.strip()


def _repeat(data: dict[str, Any], where: str) -> int | None:
    """A repeat count of at least 1, or None."""
    value = data.get("question_repeat")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InputFileError(f'{where}: field "question_repeat" must be a whole number >= 1')
    return value


def _flag(data: dict[str, Any], name: str, where: str) -> bool:
    """A true/false field, default false."""
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise InputFileError(f'{where}: field "{name}" must be true or false')
    return value


def check_sections(cases: Sequence[Case], titles: Iterable[str], source: str) -> None:
    """Every expected section is a real section title (catches typos before a long run)."""
    known = {title.casefold() for title in titles}
    for case in cases:
        for section in case.sections:
            if section.casefold() not in known:
                raise InputFileError(
                    f'{source}:{case.line}: unknown section "{section}" in case "{case.id}"'
                )


# ---------------------------------------------------------------- writing


def case_to_dict(case: Case) -> dict[str, Any]:
    """The JSONL object for a case, with only the optional fields that are set."""
    data: dict[str, Any] = {
        "id": case.id,
        "category": case.category,
        "question": case.question,
        "kind": case.kinds[0] if len(case.kinds) == 1 else list(case.kinds),
        "must_contain": list(case.must_contain),
        "sections": list(case.sections),
    }
    optional = {
        "question_repeat": case.question_repeat,
        "history": list(case.history) or None,
        "must_not_contain": list(case.must_not_contain) or None,
        "pages": case.pages,
        "conflict": case.conflict or None,
        "notes": case.notes or None,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    return data


def case_lines(cases: Iterable[Case]) -> str:
    """JSONL text for cases, one object per line."""
    return "".join(json.dumps(case_to_dict(c), ensure_ascii=False) + "\n" for c in cases)


def write_cases(cases: Sequence[Case], path: Path) -> None:
    """Write cases as a new JSONL file; refuses to overwrite one."""
    try:
        with Path(path).open("x", encoding="utf-8") as handle:
            handle.write(case_lines(cases))
    except FileExistsError:
        raise InputFileError(f"{path}: already exists; choose another output file") from None
    except OSError as error:
        raise InputFileError(f"{path}: cannot write ({error.strerror or error})") from None


def append_cases(new: Sequence[Case], path: Path) -> None:
    """Append validated cases to an existing test set; ids must not clash."""
    existing = {case.id for case in load_cases(path)}
    for case in new:
        if case.id in existing:
            raise InputFileError(f'{path}: already has a case with id "{case.id}"')
    try:
        current = Path(path).read_text(encoding="utf-8")
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(("" if current.endswith("\n") or not current else "\n") + case_lines(new))
    except OSError as error:
        raise InputFileError(f"{path}: cannot append ({error.strerror or error})") from None
