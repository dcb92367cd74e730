"""Corpus loading: the real report loads; a malformed manifest is one line naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.corpus import load_corpus
from assistant.errors import CorpusError
from tests.conftest import MANIFEST, REPORT


def test_real_report_is_byte_identical_to_the_seed() -> None:
    seed = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_1aa6b9e63b07787f.txt"
    if not seed.exists():
        pytest.skip("shared/seed is not beside this checkout")
    assert REPORT.read_bytes() == seed.read_bytes()


def test_real_corpus_loads_with_its_sections() -> None:
    [doc] = load_corpus(REPORT.parent)
    assert doc.title == "Annual Report 2016-17"
    assert doc.period_label == "1 April 2016 to 31 March 2017"
    assert [s.pages for s in doc.sections][:3] == ["1-2", "3-5", "6-9"]
    assert doc.sections[-2].title == "Performance data"
    assert doc.trusted  # the organisation's own report: its contact details may be quoted


def test_trusted_defaults_to_false(small_corpus: Path) -> None:
    [doc] = load_corpus(small_corpus)
    assert doc.trusted is False


def _write(corpus: Path, manifest: dict | str) -> Path:
    path = corpus / "mini.manifest.json"
    path.write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))
    return path


def _manifest(small_corpus: Path) -> dict:
    return json.loads((small_corpus / "mini.manifest.json").read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda m: "{not json",
            "mini.manifest.json: not valid JSON (line 1: Expecting property "
            "name enclosed in double quotes)",
        ),
        (lambda m: {**m, "file": "gone.txt"}, "mini.manifest.json: report file gone.txt not found"),
        (
            lambda m: {k: v for k, v in m.items() if k != "title"},
            "mini.manifest.json: missing field 'title'",
        ),
        (lambda m: {**m, "sections": []}, "mini.manifest.json: 'sections' is empty"),
        (
            lambda m: {**m, "sections": [{**m["sections"][0], "pages": "six"}]},
            "mini.manifest.json: sections[0] pages 'six' is not like '6' or '6-9'",
        ),
        (
            lambda m: {**m, "sections": [{**m["sections"][0], "starts_at": "Nowhere"}]},
            "mini.txt: section 'Volunteers' start text 'Nowhere' not found at a line start after "
            "the previous section",
        ),
        (
            lambda m: {**m, "author": {"name": "A. Writer", "quote": "Signed, A. Writer"}},
            "mini.manifest.json: author quote 'Signed, A. Writer' is not in the report",
        ),
        (
            lambda m: {**m, "author": "A. Writer"},
            "mini.manifest.json: 'author' needs a 'name' and a 'quote'",
        ),
        (
            lambda m: {**m, "trusted": "yes"},
            "mini.manifest.json: field 'trusted' must be true or false",
        ),
    ],
    ids=[
        "bad-json",
        "missing-report",
        "missing-title",
        "no-sections",
        "bad-pages",
        "bad-anchor",
        "author-quote-not-in-report",
        "author-not-an-object",
        "trusted-not-a-boolean",
    ],
)
def test_malformed_manifest_is_one_line_naming_the_file(
    small_corpus: Path, change, message: str
) -> None:
    _write(small_corpus, change(_manifest(small_corpus)))
    with pytest.raises(CorpusError) as error:
        from assistant.repair import parse_document

        for doc in load_corpus(small_corpus):
            parse_document(doc)
    assert str(error.value).endswith(message)
    assert "\n" not in str(error.value)


def test_missing_corpus_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"corpus folder not found$"):
        load_corpus(tmp_path / "nowhere")


def test_manifest_pages_must_agree_with_the_contents_page(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "r.txt").write_bytes(REPORT.read_bytes())
    manifest = json.loads(MANIFEST.read_text())
    manifest["file"] = "r.txt"
    manifest["sections"][1]["pages"] = "4-5"
    (corpus / "r.manifest.json").write_text(json.dumps(manifest))
    from assistant.repair import parse_document
    from assistant.tables import extract_tables

    [doc] = load_corpus(corpus)
    with pytest.raises(
        CorpusError, match="manifest gives section 'Introduction' page 4, the contents page says 3"
    ):
        extract_tables(doc, parse_document(doc))
