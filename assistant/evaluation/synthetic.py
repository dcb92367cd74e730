"""Synthetic reports for benchmarking: N made-up reports derived from one real one.

Each copy of the seed report gets its years shifted (the manifest's period too), its figures
scaled with a little jitter per value, its area, force, places, people and operations renamed
(`evals/synthetic_names.json`), a title starting "SYNTHETIC", a label line above its first
section and a manifest marked `"synthetic": true`. Tables stay parseable and consistent: a
row's difference columns are recomputed from its two periods, a total or subtotal stays the
sum of the rows above it, the same figure becomes the same new figure everywhere (prose
included), and a contents page keeps its page numbers. Deterministic given the seed number;
report n is the same whatever the count. Each report written is loaded back and parsed
(sections, tables) before the next one.

    python -m assistant.evaluation.synthetic OUT_DIR --count 9 [--seed 0] [--from MANIFEST]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.corpus import FORCE_WORDS, MANIFEST_SUFFIX, load_document
from assistant.errors import AssistantError, InputFileError
from assistant.settings import PROJECT_ROOT
from assistant.tables import dot_led, parse_number

NAMES_FILE = PROJECT_ROOT / "evals" / "synthetic_names.json"
LABEL = "SYNTHETIC"
YEAR_SHIFTS = (1, 25)  # years added to every year of the seed: at least 1, at most 25
SCALES = ((0.6, 0.92), (1.08, 1.6))  # a report's factor on counts and amounts
PERCENT_SCALES = ((0.85, 0.95), (1.05, 1.15))  # its factor on percentages (capped at 100)
JITTER = 0.05  # each distinct value is further moved by up to 5%, the same way everywhere
CHANGE = 0.4  # a table row's change between two periods is moved by up to 40%, never reversed
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# Spans left as printed: page references, footnote markers, the Samaritans' number.
_TOKEN = re.compile(
    r"(?P<keep>\bpages? \d+(?: ?- ?\d+)?|\^\{[\d,\s]+\}|\b116 ?123\b)"
    r"|(?P<year>(?<![\w,.£])(?:19|20)\d\d(?!\d|[,.]\d))(?:(?P<sep>[-/–] ?)(?P<yy>\d\d)(?!\d))?"
    r"|(?P<num>(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w]|[.,]\d))"
)
# A number is a label, not a figure, after these words (Priority 3, Section 136, age of 16)
# or before these (12 months, 20 minutes, 31 March); phone numbers such as 101 and 999 too.
_LABEL_BEFORE = re.compile(
    r"\b(?:Priority|Section|Act|Phase|Part|Chapter|Schedule|Article|Tier|Level|aged?|age of)\s*$",
    re.I,
)
_UNIT_AFTER = re.compile(
    rf"^\s*(?:-\s*)?(?:months?|minutes?|mins?|weeks?|days?|years?|{_MONTHS})\b"
)
_PERCENT_AFTER = re.compile(r"^\s*(?:%|per ?cent)")
_SERVICE_NUMBERS = frozenset({101.0, 999.0, 111.0, 112.0})
_SEPARATOR = re.compile(r"^\|[\s:|-]+\|?\s*$")


@dataclass(frozen=True)
class Plan:
    """What one synthetic report changes."""

    number: int
    area: str
    year_shift: int
    scale: float
    percent_scale: float
    names: dict[str, str]  # a name in the seed -> its made-up replacement

    @property
    def slug(self) -> str:
        """The area as a file-name part."""
        return re.sub(r"[^a-z0-9]+", "-", self.area.lower()).strip("-")


def generate(
    seed_manifest: Path,
    out_dir: Path,
    count: int,
    seed: int = 0,
    names_file: Path = NAMES_FILE,
) -> list[Path]:
    """Write reports 1..count (text and manifest) into out_dir, each checked by loading and
    parsing it back; returns their manifests' paths."""
    seed_manifest = Path(seed_manifest)
    out_dir = Path(out_dir)
    _refuse_corpus_folder(seed_manifest, out_dir)
    data = _read_json(seed_manifest)
    text = load_document(seed_manifest).text  # a seed that does not load is one line
    names = _read_json(names_file)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for number in range(1, count + 1):
        plan = make_plan(data, seed_manifest.name, names, seed, number)
        written.append(write_report(data, text, plan, seed_manifest.name, seed, out_dir))
    return written


def write_report(
    data: dict[str, Any], text: str, plan: Plan, seed_name: str, seed: int, out_dir: Path
) -> Path:
    """One synthetic report and its manifest in out_dir, checked; returns the manifest path."""
    figures = Figures(plan, seed)
    new_text = alter_text(text, plan, figures)
    stem = f"synthetic-{plan.number:03d}-{plan.slug}"
    manifest = alter_manifest(data, plan, figures, f"{stem}.txt", seed_name, seed)
    title = manifest["full_title"]
    label = (
        f"{LABEL} REPORT for benchmarking ({title}), made from {seed_name} (seed {seed}, "
        f"report {plan.number}): its places, people, years and figures are made up.\n\n"
    )
    (out_dir / f"{stem}.txt").write_text(label + new_text, encoding="utf-8")
    path = out_dir / f"{stem}{MANIFEST_SUFFIX}"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    check_report(path)
    return path


def check_report(manifest_path: Path) -> None:
    """Load the report back, find its sections and parse its tables (raises CorpusError)."""
    from assistant.repair import parse_document
    from assistant.tables import extract_tables

    document = load_document(manifest_path)
    extract_tables(document, parse_document(document))


def make_plan(
    data: dict[str, Any], seed_name: str, names: dict[str, Any], seed: int, number: int
) -> Plan:
    """Report `number`'s area, year shift, factors and renamings (the same for any count)."""
    made_up = names["made_up"]
    areas = [p + s for p in made_up["area_prefixes"] for s in made_up["area_suffixes"]]
    random.Random(f"synthetic-areas:{seed}").shuffle(areas)
    area = areas[(number - 1) % len(areas)]
    if number > len(areas):
        area += f" {(number - 1) // len(areas) + 1}"
    rng = random.Random(f"synthetic:{seed}:{number}")
    extra = names.get("seeds", {}).get(seed_name, {})
    renames = {name: area for name in seed_areas(data)}
    renames |= _pick(extra.get("places", []), made_up["places"], rng)
    renames |= _pick(extra.get("operations", []), made_up["operations"], rng)
    people = [*([author_name(data)] if author_name(data) else []), *extra.get("people", [])]
    full_names = [f"{g} {f}" for g in made_up["given_names"] for f in made_up["family_names"]]
    renames |= _pick(people, full_names, rng)
    return Plan(
        number=number,
        area=area,
        year_shift=rng.randint(*YEAR_SHIFTS),
        scale=round(rng.uniform(*rng.choice(SCALES)), 3),
        percent_scale=round(rng.uniform(*rng.choice(PERCENT_SCALES)), 3),
        names=renames,
    )


def _pick(real: list[str], pool: list[str], rng: random.Random) -> dict[str, str]:
    """Each real name paired with a distinct made-up one."""
    return dict(zip(real, rng.sample(pool, len(real)), strict=True))


def seed_areas(data: dict[str, Any]) -> list[str]:
    """The area the seed is about: the words its police force's name shares with its
    publisher's name ("X Police", "Commissioner for X"), as the publisher prints them."""
    police = data.get("police") or {}
    force = str(police.get("name", "")) if isinstance(police, dict) else ""
    named = set(re.findall(r"[a-z]+", force.lower())) - FORCE_WORDS
    publisher_words = re.findall(r"[A-Za-z]+", str(data.get("publisher", "")))
    return sorted({w for w in publisher_words if w.lower() in named})


def author_name(data: dict[str, Any]) -> str:
    """The author's name without the role after the comma ("A Name, Commissioner": A Name)."""
    author = data.get("author")
    return str(author.get("name", "")).split(",")[0].strip() if isinstance(author, dict) else ""


class Figures:
    """Alters numbers: years shifted, figures scaled; a value once altered inside a table is
    altered the same way wherever else it is printed."""

    def __init__(self, plan: Plan, seed: int) -> None:
        self.plan = plan
        self.key = f"{seed}:{plan.number}"
        self.known: dict[tuple[str, float], float] = {}  # (kind, |old|) -> |new|

    def shift_year(self, year: int) -> int:
        """A year moved by the plan's shift."""
        return year + self.plan.year_shift

    def value(self, old: float, decimals: int, kind: str) -> float:
        """The new value of a figure: 'count' (counts, amounts) or 'percent'."""
        known = self.known.get((kind, abs(old)))
        if known is not None:
            return known if old >= 0 else -known
        if decimals == 0 and abs(old) < 10:
            return old  # small whole numbers are mostly counts of things named, left alone
        digest = hashlib.sha256(f"{self.key}:{kind}:{abs(old)!r}".encode()).digest()
        jitter = 1 + JITTER * (int.from_bytes(digest[:8], "big") / 2**64 * 2 - 1)
        factor = (self.plan.scale if kind == "count" else self.plan.percent_scale) * jitter
        new = round(abs(old) * factor, decimals)
        if kind == "percent" and abs(old) <= 100:
            new = min(new, 100.0)
        if new == 0:
            new = 10.0**-decimals
        return new if old >= 0 else -new

    def change_factor(self, label: str) -> float:
        """How much a table row's change between its periods is moved (0.6 to 1.4)."""
        digest = hashlib.sha256(f"{self.key}:change:{label}".encode()).digest()
        return 1 + CHANGE * (int.from_bytes(digest[:8], "big") / 2**64 * 2 - 1)

    def remember(self, kind: str, old: float, new: float) -> None:
        """A table's figure: print it the same wherever the text repeats it."""
        self.known.setdefault((kind, abs(old)), abs(new))

    def prose(self, text: str) -> str:
        """Years shifted and figures altered in running text (page references, footnote
        markers, labels such as "Priority 3", durations and phone numbers kept)."""
        return _TOKEN.sub(lambda m: self._token(m, text), text)

    def years(self, text: str) -> str:
        """Only the years shifted (titles and period labels)."""
        return _TOKEN.sub(lambda m: self._year(m) if m.group("year") else m.group(0), text)

    def _token(self, m: re.Match[str], text: str) -> str:
        if m.group("keep"):
            return m.group(0)
        if m.group("year"):
            return self._year(m)
        raw = m.group("num")
        old = float(raw.replace(",", ""))
        before, after = text[max(0, m.start() - 12) : m.start()], text[m.end() : m.end() + 12]
        if old in _SERVICE_NUMBERS or _LABEL_BEFORE.search(before) or _UNIT_AFTER.match(after):
            return raw
        kind = "percent" if _PERCENT_AFTER.match(after) else "count"
        return format_like(self.value(old, _decimals(raw), kind), raw, old)

    def _year(self, m: re.Match[str]) -> str:
        year = self.shift_year(int(m.group("year")))
        if m.group("sep") is None:
            return str(year)
        return f"{year}{m.group('sep')}{(int(m.group('yy')) + self.plan.year_shift) % 100:02d}"


def _decimals(raw: str) -> int:
    return len(raw.split(".")[1]) if "." in raw else 0


def format_like(value: float, raw: str, old: float) -> str:
    """A number printed as `raw` was: its decimals, and thousands commas when raw had them
    (or was too small to need them)."""
    decimals = _decimals(raw.strip().replace("%", ""))
    commas = "," in raw or abs(old) < 1000
    number = f"{abs(value):,.{decimals}f}" if commas else f"{abs(value):.{decimals}f}"
    return ("-" if value < 0 and float(number.replace(",", "")) else "") + number


def alter_text(text: str, plan: Plan, figures: Figures) -> str:
    """The seed's text with tables altered first (so prose repeats their new figures), then
    running text, then every name."""
    lines = text.split("\n")
    ends = dict(_blocks(lines))
    altered = {
        start: alter_table(lines[start:end], figures)
        for start, end in ends.items()
        if end - start >= 3 and _SEPARATOR.match(lines[start + 1])
    }
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i in altered:
            out += altered[i]
            i = ends[i]
        else:
            out.append(figures.prose(lines[i]))
            i += 1
    return rename("\n".join(out), plan.names)


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """Runs of consecutive lines starting with '|' (markdown tables): (first, end)."""
    runs, start = [], None
    for i, line in enumerate([*lines, ""]):
        if line.startswith("|") and start is None:
            start = i
        elif not line.startswith("|") and start is not None:
            runs.append((start, i))
            start = None
    return runs


def rename(text: str, names: dict[str, str]) -> str:
    """Every name replaced in one pass (longest first, whole words only)."""
    if not names:
        return text
    pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.sub(rf"\b(?:{pattern})\b", lambda m: names[m.group(0)], text)


def _cells(line: str) -> list[str]:
    return line.strip().strip("|").split("|")


def alter_table(lines: list[str], figures: Figures) -> list[str]:
    """A markdown table with its figures altered consistently (see the module docstring)."""
    header = [c.strip() for c in _cells(lines[0])]
    body = [_cells(line) for line in lines[2:]]
    if is_contents_rows(body):
        return lines  # page numbers must match the manifest's sections
    old = [[parse_number(c) for c in row] for row in body]
    width = max(len(row) for row in body)
    diffs = [c for c, h in enumerate(header) if "difference" in h.lower()]
    periods = (diffs[0] - 2, diffs[0] - 1) if diffs and diffs[0] >= 2 else None
    kinds = ["percent" if _percent_row(row) else "count" for row in body]
    new: list[list[float | None]] = [[None] * width for _ in body]
    for c in range(width):
        if c in diffs:
            continue
        column = [row[c] if c < len(row) else None for row in old]
        for r, value in scale_column(
            column, kinds, [_raw(body, r, c) for r in range(len(body))], figures
        ).items():
            new[r][c] = value
    if periods:
        for r in range(len(body)):
            _keep_direction(old[r], new[r], periods, body[r], kinds[r], figures)
            _recompute_differences(header, old[r], new[r], diffs, periods, body[r])
    percent_columns = {c for c in diffs if "%" in header[c]}
    return [
        figures.prose(lines[0]),
        lines[1],
        *(
            _table_line(line, row, new[r], old[r], kinds[r], percent_columns, figures)
            for r, (line, row) in enumerate(zip(lines[2:], body, strict=True))
        ),
    ]


def _raw(body: list[list[str]], r: int, c: int) -> str:
    return body[r][c].strip() if c < len(body[r]) else ""


def is_contents_rows(body: list[list[str]]) -> bool:
    """A contents page: most rows' labels end with dot leaders (as the table reader says)."""
    return dot_led([row[0].strip() for row in body if row])


def _percent_row(row: list[str]) -> bool:
    words = " ".join(c for c in row if parse_number(c) is None).lower()
    return "percent" in words or "per cent" in words or "%" in words


def scale_column(
    column: list[float | None], kinds: list[str], raws: list[str], figures: Figures
) -> dict[int, float]:
    """New values of one column: each figure altered; a total or subtotal (the sum of the
    rows just above it in the seed) first, its rows then made to add up to it again."""
    new: dict[int, float] = {}
    sums = find_sums(column)

    def altered(r: int) -> float:
        return figures.value(column[r] or 0.0, _decimals(raws[r]), kinds[r])

    for total in sorted(sums, reverse=True):
        fixed = set(new)
        new.setdefault(total, altered(total))
        terms = sums[total]
        for r in terms:
            new.setdefault(r, altered(r))
        free = [r for r in terms if r not in fixed]
        if free:
            biggest = max(free, key=lambda r: abs(column[r] or 0.0))
            new[biggest] += new[total] - sum(new[r] for r in terms)
    for r, value in enumerate(column):
        if value is not None and r not in new:
            new[r] = altered(r)
    return new


def find_sums(column: Sequence[float | None]) -> dict[int, list[int]]:
    """Rows whose whole-number value is the sum of the rows just above it (at least two),
    the fewest rows that add up: {total row: its rows}."""
    found: dict[int, list[int]] = {}
    for i, value in enumerate(column):
        if value is None or value != int(value) or value == 0:
            continue
        for j in range(i - 2, -1, -1):
            terms = [k for k in range(j, i) if column[k] is not None]
            values = [column[k] for k in terms]
            if any(v != int(v) for v in values if v is not None):
                break
            if len(terms) >= 2 and sum(v for v in values if v is not None) == value:
                found[i] = terms
                break
    return found


def _keep_direction(
    old: list[float | None],
    new: list[float | None],
    periods: tuple[int, int],
    row: list[str],
    kind: str,
    figures: Figures,
) -> None:
    """A row's second period from its first and the seed's change, the change moved by up to
    40% but never reversed: what went down in the seed goes down in the copy."""
    first, second = (old[p] if p < len(old) else None for p in periods)
    start = new[periods[0]] if periods[0] < len(new) else None
    if first is None or second is None or start is None or first == 0:
        return
    label = "|".join(c.strip() for c in row if parse_number(c) is None)
    change = (second - first) / abs(first) * figures.change_factor(label)
    value = round(start + abs(start) * change, _decimals(row[periods[1]].strip()))
    if kind == "percent" and second <= 100:
        value = min(value, 100.0)
    new[periods[1]] = value


def _recompute_differences(
    header: list[str],
    old: list[float | None],
    new: list[float | None],
    diffs: list[int],
    periods: tuple[int, int],
    row: list[str],
) -> None:
    """A row's number and % difference columns from its two new period values."""
    first, second = (new[p] if p < len(new) else None for p in periods)
    if first is None or second is None:
        return
    for c in diffs:
        if c >= len(old) or old[c] is None:
            continue
        decimals = _decimals(row[c].strip())
        if "%" in header[c]:
            if first == 0:
                continue
            new[c] = round((second - first) / abs(first) * 100, decimals)
        else:
            new[c] = round(second - first, max(decimals, _decimals(row[periods[1]].strip())))


def _table_line(
    line: str,
    row: list[str],
    new: list[float | None],
    old: list[float | None],
    kind: str,
    percent_columns: set[int],
    figures: Figures,
) -> str:
    """The row's line with each figure replaced (spacing kept) and other cells' years shifted;
    each figure remembered for the prose (a % difference as a percentage)."""
    cells = []
    for c, cell in enumerate(row):
        value, before = (new[c], old[c]) if c < len(new) else (None, None)
        if value is None or before is None:
            cells.append(figures.prose(cell))
            continue
        figures.remember("percent" if c in percent_columns else kind, before, value)
        cells.append(_replace_number(cell, value, before))
    prefix = line[: len(line) - len(line.lstrip())]
    closing = "|" if line.rstrip().endswith("|") else ""
    return prefix + "|" + "|".join(cells) + closing


def _replace_number(cell: str, value: float, old: float) -> str:
    """A table cell with its number (sign included) replaced, spacing and £ or % kept."""
    found = re.search(r"[-−]?\d[\d,]*(?:\.\d+)?", cell)
    if found is None:
        return cell
    raw = found.group(0).lstrip("-−")
    return cell[: found.start()] + format_like(value, raw, old) + cell[found.end() :]


def alter_manifest(
    data: dict[str, Any], plan: Plan, figures: Figures, file_name: str, seed_name: str, seed: int
) -> dict[str, Any]:
    """The seed's manifest for the synthetic report: same schema, plus 'synthetic': true."""

    def words(text: str) -> str:
        return rename(figures.years(text), plan.names)

    def starts_at(text: str) -> str:
        return rename(figures.prose(text), plan.names)

    full_title = str(data.get("full_title") or data["title"])
    period = dict(data.get("period") or {})
    out: dict[str, Any] = {
        "file": file_name,
        "title": f"{LABEL} {plan.number:03d} {plan.area}: {words(str(data['title']))}",
        "full_title": f"{LABEL}: {words(full_title)}",
        "publisher": words(str(data["publisher"])),
        "synthetic": True,
        "synthetic_from": {
            "manifest": seed_name,
            "seed": seed,
            "report": plan.number,
            "year_shift": plan.year_shift,
            "scale": plan.scale,
            "percent_scale": plan.percent_scale,
        },
        "trusted": bool(data.get("trusted", False)),
        "period": {
            "start": _shift_date(str(period.get("start", "")), plan.year_shift),
            "end": _shift_date(str(period.get("end", "")), plan.year_shift),
            "label": figures.years(str(period.get("label", ""))),
        },
    }
    if isinstance(data.get("author"), dict):
        author = data["author"]
        out["author"] = {"name": words(str(author["name"])), "quote": starts_at(author["quote"])}
    out["sections"] = [
        {"title": words(s["title"]), "pages": s["pages"], "starts_at": starts_at(s["starts_at"])}
        for s in data["sections"]
    ]
    if isinstance(data.get("police"), dict):
        out["police"] = {
            "name": words(str(data["police"].get("name", ""))),
            "report_online": f"https://www.example.org/{plan.slug}/report",
        }
    return out


def _shift_date(date: str, years: int) -> str:
    """An ISO date (YYYY-MM-DD) moved by whole years; anything else as it was."""
    if re.fullmatch(r"\d{4}-\d\d-\d\d", date):
        return f"{int(date[:4]) + years}{date[4:]}"
    return date


def _refuse_corpus_folder(seed_manifest: Path, out_dir: Path) -> None:
    """Synthetic reports never go into a real corpus folder."""
    target = out_dir.resolve()
    for corpus in {seed_manifest.parent.resolve(), (PROJECT_ROOT / "corpus").resolve()}:
        if target == corpus:
            raise InputFileError(
                f"{out_dir}: is a corpus folder; synthetic reports go into a folder of their own"
            )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputFileError(f"{path}: cannot read JSON ({error})") from None
    if not isinstance(data, dict):
        raise InputFileError(f"{path}: must be a JSON object")
    return data


def first_manifest(corpus_dir: Path) -> Path:
    """The first report manifest of a corpus folder (file-name order): the default seed."""
    manifests = sorted(Path(corpus_dir).glob(f"*{MANIFEST_SUFFIX}"))
    if not manifests:
        raise InputFileError(f"{corpus_dir}: no *{MANIFEST_SUFFIX} to derive reports from")
    return manifests[0]


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    """`python -m assistant.evaluation.synthetic OUT_DIR --count N`: write the reports."""
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(
        prog="python -m assistant.evaluation.synthetic", description=__doc__.split("\n")[0]
    )
    parser.add_argument("out_dir", type=Path, help="Folder to write into (never corpus/).")
    parser.add_argument("--count", type=int, default=9, help="Reports to write (default 9).")
    parser.add_argument("--seed", type=int, default=0, help="Seed number (default 0).")
    parser.add_argument(
        "--from",
        dest="seed_manifest",
        type=Path,
        help="Seed manifest (default: the first in ASSISTANT_CORPUS_DIR).",
    )
    args = parser.parse_args(argv)
    try:
        seed_manifest = args.seed_manifest or first_manifest(Settings().corpus_dir)
        paths = generate(seed_manifest, args.out_dir, max(args.count, 0), args.seed)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    out(f"{len(paths)} synthetic reports from {seed_manifest.name} written to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
