"""LabelledRagDataset JSON export and import (no model: the corpus text only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.errors import InputFileError
from assistant.evaluation.llamaindex import (
    CASE_KEY,
    SectionTexts,
    read_labelled_rag,
    section_texts,
    to_labelled_rag,
)
from assistant.evaluation.testset import load_cases
from assistant.settings import PROJECT_ROOT

TESTSET = PROJECT_ROOT / "evals" / "testset.jsonl"
EXAMPLE_KEYS = {
    "query",
    "query_by",
    "reference_contexts",
    "reference_answer",
    "reference_answer_by",
    CASE_KEY,
}


@pytest.fixture(scope="module")
def sections() -> SectionTexts:
    return section_texts(PROJECT_ROOT / "corpus")


def test_export_has_the_labelled_rag_dataset_shape(sections: SectionTexts) -> None:
    cases = load_cases(TESTSET)
    data = to_labelled_rag(cases, sections)
    assert list(data) == ["examples"] and len(data["examples"]) == len(cases)
    first = data["examples"][0]
    assert set(first) == EXAMPLE_KEYS
    assert first["query_by"] == {"model_name": "", "type": "human"}
    assert first["query"] == cases[0].question
    assert first["reference_answer"] == "; ".join(cases[0].must_contain)
    assert first["reference_contexts"] and all("15" in c for c in first["reference_contexts"])


def test_follow_up_query_carries_its_history(sections: SectionTexts) -> None:
    case = next(c for c in load_cases(TESTSET) if c.history)
    [example] = to_labelled_rag([case], sections)["examples"]
    assert example["query"] == " ".join([*case.history, case.question])


def test_round_trip_is_lossless(sections: SectionTexts, tmp_path: Path) -> None:
    cases = load_cases(TESTSET)
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(to_labelled_rag(cases, sections)), encoding="utf-8")
    assert read_labelled_rag(path, sections) == cases


def test_import_of_a_plain_llamaindex_dataset(sections: SectionTexts, tmp_path: Path) -> None:
    table_row = next(b for b in sections["Performance data"] if "Number of homicides" in b)
    examples = [
        {
            "query": "How many homicides were there?",
            "reference_answer": "There were 15.",
            "reference_contexts": [table_row],
            "query_by": {"model_name": "gpt-4", "type": "ai"},
            "reference_answer_by": None,
        },
        {
            "query": "Who is the PCC?",
            "reference_answer": "Roger Hirst.",
            "reference_contexts": [],
            "query_by": None,
            "reference_answer_by": None,
        },
    ]
    path = tmp_path / "plain.json"
    path.write_text(json.dumps({"examples": examples}), encoding="utf-8")
    warnings: list[str] = []
    first, second = read_labelled_rag(path, sections, warnings.append)
    assert (first.id, first.question, first.must_contain) == (
        "llamaindex-001",
        "How many homicides were there?",
        ("15",),
    )
    assert "Performance data" in first.sections
    assert first.kinds == ("answer", "statistic")
    assert (second.must_contain, second.sections) == ((), ())
    assert warnings == [
        f"{path}: example 2: no figure to check in the reference answer; add must_contain by hand"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops", "not valid JSON (Expecting property name enclosed in double quotes, line 1)"),
        ('{"predictions": []}', 'not a LabelledRagDataset file (no "examples" list)'),
        ('{"examples": []}', "the dataset has no examples"),
        ('{"examples": [{"reference_answer": "x"}]}', 'example 1: missing "query"'),
        ('{"examples": [{"test_case": {"id": "x"}}]}', 'example 1: missing field "category"'),
    ],
    ids=["bad-json", "no-examples", "empty", "no-query", "bad-embedded-case"],
)
def test_import_errors(tmp_path: Path, sections: SectionTexts, content: str, message: str) -> None:
    path = tmp_path / "in.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_labelled_rag(path, sections)
    assert str(caught.value) == f"{path}: {message}"


def test_cli_export_then_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exported, imported = tmp_path / "out.json", tmp_path / "cases.jsonl"
    assert main(["eval", str(TESTSET), "--export-llamaindex", str(exported)]) == 0
    assert main(["eval", "--import-llamaindex", str(exported), "--out", str(imported)]) == 0
    assert load_cases(imported) == load_cases(TESTSET)
    assert main(["eval", "--import-llamaindex", str(exported), "--out", str(imported)]) == 1
    assert capsys.readouterr().err == (
        f"error: {imported}: already exists; choose another output file\n"
    )


def test_cli_import_needs_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--import-llamaindex", str(tmp_path / "x.json")]) == 1
    assert capsys.readouterr().err == "error: --import-llamaindex needs --out CASES.jsonl\n"
