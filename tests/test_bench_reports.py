"""`assistant bench --reports`: its arguments, its corpus folders and its growth table (the
measuring itself builds real indexes for minutes, so it is run by hand, not here)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from assistant.corpus import load_corpus
from assistant.errors import AssistantError
from assistant.evaluation import bench
from assistant.evaluation.bench import corpus_of, growth_rows, report_counts
from assistant.evaluation.synthetic import first_manifest, generate
from assistant.settings import PROJECT_ROOT, Settings

SEED = first_manifest(PROJECT_ROOT / "corpus")


@pytest.mark.parametrize(
    ("given", "counts"),
    [("1,10,100", [1, 10, 100]), ("10,1,10", [1, 10]), ("5", [5])],
    ids=["list", "unsorted-repeated", "one"],
)
def test_report_counts(given: str, counts: list[int]) -> None:
    assert report_counts(given) == counts


@pytest.mark.parametrize(
    ("given", "message"),
    [("0,10", "at least 1"), ("ten", "not a list"), ("", "at least 1")],
    ids=["zero", "words", "empty"],
)
def test_report_counts_refused(given: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        report_counts(given)


def test_growth_table_is_relative_to_the_first_size() -> None:
    runs = [
        {"reports": 1, "passages": 124, "build_s": 10.0, "warm_p50_ms": 20.0},
        {"reports": 10, "passages": 1240, "build_s": 95.0, "warm_p50_ms": 30.0},
    ]
    header, first, second = growth_rows(runs)
    assert header[:5] == ["reports", "passages", "build s", "x N=1", "first answer s"]
    assert first[:4] == ["1", "124", "10.0", "1.00"] and second[:4] == [
        "10",
        "1240",
        "95.0",
        "9.50",
    ]
    assert second[header.index("warm p50 ms") + 1] == "1.50"
    assert second[header.index("first answer s")] == "-"


def test_a_corpus_of_n_reports_holds_the_seed_and_n_minus_one_synthetic(tmp_path: Path) -> None:
    made = generate(SEED, tmp_path / "synthetic", 2)
    corpus = corpus_of(tmp_path / "corpus-3", [SEED, *made])
    names = sorted(p.name for p in corpus.iterdir())
    assert len(names) == 6
    assert SEED.name in names and json.loads(SEED.read_text())["file"] in names
    assert [d.title.startswith("SYNTHETIC") for d in load_corpus(corpus)] == [False, True, True]


def test_a_size_that_fails_keeps_the_sizes_measured_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """No index is built: measuring one size is replaced; the corpora are real."""
    sizes: list[int] = []

    def measured(settings: Settings, n: int, questions: list[str], rounds: int) -> dict:
        sizes.append(len(load_corpus(settings.corpus_dir)))
        if n > 1:
            raise AssistantError("benchmark process failed (exit 1): too big")
        return {"passages": 124, "build_s": 10.0, "warm_p50_ms": 20.0}

    monkeypatch.setattr(bench, "measure_size", measured)
    args = _args(tmp_path, "1,3,5")
    assert bench.run_command(args, Settings()) == 1
    out, err = capsys.readouterr()
    assert sizes == [1, 3]
    assert out.splitlines()[2].split()[:3] == ["1", "124", "10.0"]
    assert "error: N=3 not measured: benchmark process failed (exit 1): too big" in err
    [written] = (tmp_path / "reports").glob("bench-reports-*.md")
    assert "Not measured: N=3" in written.read_text(encoding="utf-8")


def _args(tmp_path: Path, reports: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench.configure_parser(parser)
    return parser.parse_args(["--reports", reports, "--reports-dir", str(tmp_path / "reports")])


def test_side_by_side_groups_by_category_and_leaves_out_what_stock_cannot_take() -> None:
    data = bench.side_by_side(
        ["a", "a", "b", "b"], [10.0, 20.0, 4.0, 8.0], [30.0, 30.0, None, 12.0]
    )
    assert data["categories"]["a"] == {
        "questions": 2,
        "stock_p50_ms": 30.0,
        "our_p50_ms": 15.0,
        "ratio": 2.0,
    }
    assert data["categories"]["b"]["questions"] == 1  # the empty question is not timed
    assert data["categories"]["b"]["ratio"] == 1.5
    assert data["overall"]["questions"] == 3
    fixed = bench.side_by_side(["invalid"], [0.01], [12.0])  # a fixed reply: no ratio
    assert fixed["categories"]["invalid"]["ratio"] is None
    rows = bench.compare_rows(data)
    assert rows[0][-1] == "ratio" and rows[-1][0] == "overall" and rows[1][-1] == "2.00x"


def test_compare_prints_and_writes_the_stock_pipeline_beside_ours(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the measuring children are stood in for here; the stock child runs for real below
    monkeypatch.setattr(bench, "measure_build", lambda settings: 1.0)
    monkeypatch.setattr(
        bench,
        "measure_serving",
        lambda settings, questions, rounds, each=False: {
            "first_answer_s": 2.0,
            "warm_p50_ms": 5.0,
            "warm_p95_ms": 9.0,
            "peak_rss_mb": 100.0,
            "latencies": [5.0] * len(questions),
        },
    )
    monkeypatch.setattr(
        bench, "_run_child", lambda flag, job: {"latencies": [10.0] * len(job["questions"])}
    )
    parser = argparse.ArgumentParser()
    bench.configure_parser(parser)
    args = parser.parse_args(
        ["--compare", "--limit", "3", "--reports-dir", str(tmp_path / "reports")]
    )
    assert bench.run_command(args, Settings()) == 0
    out = capsys.readouterr().out
    assert "stock p50 ms" in out and "2.00x" in out
    [written] = (tmp_path / "reports").glob("bench-*.md")
    text = written.read_text(encoding="utf-8")
    assert "Side by side with the stock LlamaIndex pipeline" in text and "2.00x" in text
    [saved] = (tmp_path / "reports").glob("bench-*.json")
    assert json.loads(saved.read_text(encoding="utf-8"))["compare"]["overall"]["ratio"] == 2.0


def test_the_stock_child_times_each_question_in_a_fresh_process() -> None:
    questions = ["How many officers are there?", "", "What are the priorities?"]
    found = bench._run_child(
        "--stock-child", {"settings": Settings().model_dump(mode="json"), "questions": questions}
    )
    first, empty, last = found["latencies"]
    assert empty is None and first > 0 and last > 0
