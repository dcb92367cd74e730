"""Synthetic reports for the benchmark: derived from the real one, visibly made up, loadable.

Three small reports are generated from the corpus's report (no index is built): each differs
from it in years, figures and names, says it is synthetic, has sections the text starts with,
loads through the corpus loader beside the seed, and its tables parse, add up and move the
same way as the seed's."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from assistant.corpus import Document, load_corpus, load_document
from assistant.errors import InputFileError
from assistant.evaluation.synthetic import (
    NAMES_FILE,
    author_name,
    first_manifest,
    generate,
    main,
    seed_areas,
)
from assistant.repair import parse_document
from assistant.settings import PROJECT_ROOT
from assistant.statistics import StatisticsStore
from assistant.tables import Table, extract_tables, parse_number, write_store

SEED = first_manifest(PROJECT_ROOT / "corpus")
COUNT = 3
YEAR = re.compile(r"(?<![\w,.£])(?:19|20)\d\d(?!\d|[,.]\d)")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The manifests of three synthetic reports (seed 0)."""
    return generate(SEED, tmp_path_factory.mktemp("synthetic"), COUNT, seed=0)


@pytest.fixture(scope="module")
def seed_doc() -> Document:
    return load_document(SEED)


def _manifest(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _body(doc: Document) -> str:
    """The report text without the synthetic label line above its first section."""
    start = re.search(r"(?m)^" + re.escape(doc.sections[0].starts_at), doc.text)
    assert start is not None
    return doc.text[start.start() :]


def _tables(doc: Document) -> list[Table]:
    return extract_tables(doc, parse_document(doc))


def _seed_names() -> list[str]:
    data = _manifest(SEED)
    extra = json.loads(NAMES_FILE.read_text(encoding="utf-8"))["seeds"].get(SEED.name, {})
    return [*seed_areas(data), author_name(data), *(n for names in extra.values() for n in names)]


def test_each_report_is_labelled_synthetic(made: list[Path]) -> None:
    for path in made:
        data, doc = _manifest(path), load_document(path)
        assert data["synthetic"] is True and data["synthetic_from"]["manifest"] == SEED.name
        assert doc.title.startswith("SYNTHETIC") and doc.full_title.startswith("SYNTHETIC")
        assert doc.text.startswith("SYNTHETIC REPORT for benchmarking")
        assert path.name.startswith("synthetic-")
        assert doc.trusted == load_document(SEED).trusted


def test_years_and_period_are_shifted(made: list[Path], seed_doc: Document) -> None:
    seed_years = Counter(int(y) for y in YEAR.findall(_body(seed_doc)))
    for path in made:
        doc, shift = load_document(path), _manifest(path)["synthetic_from"]["year_shift"]
        assert shift >= 1
        years = Counter(int(y) for y in YEAR.findall(_body(doc)))
        assert years == Counter({y + shift: n for y, n in seed_years.items()})
        assert int(doc.period_start[:4]) == int(seed_doc.period_start[:4]) + shift
        assert int(doc.period_end[:4]) == int(seed_doc.period_end[:4]) + shift
        assert doc.period_label != seed_doc.period_label


def test_names_are_replaced(made: list[Path]) -> None:
    names = _seed_names()
    assert len(names) >= 3, names
    for path in made:
        doc, data = load_document(path), _manifest(path)
        everything = doc.text + json.dumps(data, ensure_ascii=False)
        for name in names:
            assert not re.search(rf"\b{re.escape(name)}\b", everything), (path.name, name)
        area = data["title"].split(":")[0].split(" ", 2)[2]
        assert area in doc.publisher and area in data["police"]["name"]
    assert len({_manifest(p)["title"] for p in made}) == COUNT


def test_figures_differ_from_the_seed(made: list[Path], seed_doc: Document) -> None:
    seed_cells = [v for t in _tables(seed_doc) for r in t.rows for v in r.values.values()]
    for path in made:
        cells = [v for t in _tables(load_document(path)) for r in t.rows for v in r.values.values()]
        assert len(cells) == len(seed_cells)
        numeric = [(a, b) for a, b in zip(seed_cells, cells, strict=True) if parse_number(a)]
        changed = sum(a != b for a, b in numeric)
        assert changed >= 0.9 * len(numeric), (path.name, changed, len(numeric))


def test_sections_start_where_the_manifest_says(made: list[Path]) -> None:
    for path in made:
        doc = load_document(path)
        for spec in doc.sections:
            assert re.search(r"(?m)^" + re.escape(spec.starts_at), doc.text), spec
        assert [s.title for s in parse_document(doc)] == [s.title for s in doc.sections]


def test_the_corpus_loader_loads_them_beside_the_seed(made: list[Path], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for manifest in [SEED, *made]:
        shutil.copyfile(manifest, corpus / manifest.name)
        text = _manifest(manifest)["file"]
        shutil.copyfile(manifest.parent / text, corpus / text)
    documents = load_corpus(corpus)
    assert len(documents) == COUNT + 1
    assert documents[0].path.name == load_document(SEED).path.name  # the seed sorts first
    assert all(d.title.startswith("SYNTHETIC") for d in documents[1:])


def test_tables_parse_add_up_and_move_as_the_seed(
    made: list[Path], seed_doc: Document, tmp_path: Path
) -> None:
    seed_tables = _tables(seed_doc)
    write_store(tmp_path / "seed.sqlite3", seed_tables)
    seed_store = StatisticsStore.load(tmp_path / "seed.sqlite3")
    seed_totals = [r.label for r in seed_store.rows if seed_store.is_aggregate(r)]
    for n, path in enumerate(made):
        tables = _tables(load_document(path))
        assert [len(t.rows) for t in tables] == [len(t.rows) for t in seed_tables]
        write_store(tmp_path / f"{n}.sqlite3", tables)
        store = StatisticsStore.load(tmp_path / f"{n}.sqlite3")
        assert [r.label for r in store.rows if store.is_aggregate(r)] == seed_totals
        assert [t.notes[0]["kind"] for t in tables if t.notes] == ["period_mismatch"]
        for table, seed_table in zip(tables, seed_tables, strict=True):
            if "Number Difference" in table.columns:
                _check_differences(table, seed_table)


def _check_differences(table: Table, seed_table: Table) -> None:
    """Each row's number difference is its second period less its first, and it went the
    same way as the seed's row."""
    for row, seed_row in zip(table.rows, seed_table.rows, strict=True):
        a, b, diff = (parse_number(row.values.get(c, "")) for c in _difference_columns(table))
        if a is None or b is None or diff is None:
            continue
        assert diff == pytest.approx(b - a), row.quote
        old_a, old_b, _ = (
            parse_number(seed_row.values[c]) for c in _difference_columns(seed_table)
        )
        assert (b > a, b < a) == (old_b > old_a, old_b < old_a), row.quote


def _difference_columns(table: Table) -> list[str]:
    """The two period columns just before 'Number Difference', and it."""
    at = table.columns.index("Number Difference")
    return table.columns[at - 2 : at + 1]


def test_generation_is_deterministic(made: list[Path], tmp_path: Path) -> None:
    again = generate(SEED, tmp_path / "again", 1, seed=0)
    other = generate(SEED, tmp_path / "other", 1, seed=1)
    assert again[0].read_bytes() == made[0].read_bytes()  # report 1 whatever the count
    text = again[0].with_name(_manifest(again[0])["file"])
    assert text.read_bytes() == made[0].with_name(_manifest(made[0])["file"]).read_bytes()
    assert other[0].read_bytes() != made[0].read_bytes()


def test_a_corpus_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is a corpus folder"):
        generate(SEED, SEED.parent, 1)
    assert [p.name for p in SEED.parent.glob("synthetic-*")] == []


def test_the_module_writes_reports(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(tmp_path / "out"), "--count", "2", "--from", str(SEED)]) == 0
    assert "2 synthetic reports" in capsys.readouterr().out
    assert len(list((tmp_path / "out").glob("*.manifest.json"))) == 2
