"""The learned ranker: coverage by meaning, the confidence fitted on the rules' refusals, and
the place check on its answers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from assistant.assistant import Assistant
from assistant.ranker import (
    CONFIDENCE_FEATURES,
    DEFINITIONS_FILE,
    FEATURES,
    WORD_MEANING,
    CandidateSpace,
    Option,
    confidence_features,
    meanings,
    options_for,
)
from assistant.ranker_fit import fit, rules_refuse
from assistant.text import content_words, stem
from tests.conftest import stat_row

# Made-up words and their vectors: "gaol" is close to "prison", "bananas" is not.
WORD_VECTORS = {
    "prison": [1.0, 0.0, 0.0, 0.0],
    "gaol": [0.8, 0.0, 0.0, 0.6],
    "bananas": [0.0, 0.0, 1.0, 0.0],
    "spending": [0.0, 1.0, 0.0, 0.0],
    "grant": [0.0, 0.0, 0.0, 1.0],
}


def fake_embed(texts: list[str]) -> np.ndarray:
    """Unit-test stand-in for MiniLM: known words get their vectors, other text a fixed one."""
    return np.asarray([WORD_VECTORS.get(t.lower(), [0.0, 0.6, 0.8, 0.0]) for t in texts])


def space_of(sentences: list[str]) -> CandidateSpace:
    return space_of_options([Option(s, "Heading Section") for s in sentences])


def space_of_options(options: list[Option]) -> CandidateSpace:
    sentences = [o.text for o in options]
    words: dict[str, str] = {}
    for o in options:
        for w in content_words(f"{o.text} {o.context}"):
            words.setdefault(stem(w), w.lower())
    vectors = {
        "vectors": fake_embed(sentences),
        "context_vectors": fake_embed(sentences),
        "vocabulary": np.asarray(list(words), dtype=str),
        "vocabulary_vectors": fake_embed(list(words.values())),
    }
    norm = np.linalg.norm(vectors["vocabulary_vectors"], axis=1, keepdims=True)
    vectors["vocabulary_vectors"] = vectors["vocabulary_vectors"] / norm
    return CandidateSpace(options, vectors, fake_embed)


def test_a_question_word_is_covered_by_a_report_word_close_in_meaning() -> None:
    space = space_of(["Prison spending rose this year", "Bananas spending rose this year"])
    pool, matrix = space.features("gaol spending", [0.0, 0.6, 0.8, 0.0])
    meaning = FEATURES.index("meaning_overlap")
    exact = FEATURES.index("overlap")
    by_text = {space.options[i].text.split()[0]: row for i, row in zip(pool, matrix, strict=True)}
    # both use "spending"; only the first has a word close to "gaol" (cosine 0.8 >= 0.5)
    # word coverage counts only words the candidates use: "spending", held by both
    assert by_text["Prison"][exact] == by_text["Bananas"][exact] == 1.0
    assert by_text["Prison"][meaning] == pytest.approx((1.0 + 0.8) / 2)
    assert by_text["Bananas"][meaning] == pytest.approx(0.5)  # "bananas" is 0.0 close
    assert 0.8 >= WORD_MEANING > 0.0


def test_the_confidence_model_learns_only_from_the_rules_refusals() -> None:
    rng = np.random.default_rng(0)
    examples = []
    for k in range(40):
        matrix = rng.random((6, len(FEATURES)))
        labels = np.zeros(6, dtype=bool)
        labels[k % 6] = k % 3 != 0
        examples.append((matrix, labels, k % 5 != 0))
    refused = [k % 2 == 0 for k in range(40)]
    fitted = fit(examples, 1.0, 1, refused)
    assert fitted["cases"] == 40
    assert fitted["confidence_cases"] == 20
    assert len(fitted["confidence"]["weights"]) == len(CONFIDENCE_FEATURES)
    assert len(fitted["candidate"]["weights"]) == len(FEATURES)
    assert 0.05 <= fitted["threshold"] <= 0.99
    row = confidence_features(examples[0][0], rng.random(6))
    assert row.shape == (len(CONFIDENCE_FEATURES),)


def test_rules_refuse_marks_the_questions_that_reach_the_ranker(
    assistant_session: Assistant,
) -> None:
    class Case:
        def __init__(self, question: str) -> None:
            self.full_question = question

    ranker = assistant_session.ranker
    reached = rules_refuse(
        assistant_session,
        [Case("How many homicides were there?"), Case("How many dragons live in the county?")],
    )
    assert reached == [False, True]
    assert assistant_session.ranker is ranker  # put back
    assert "_learned" not in vars(assistant_session)


def test_a_learned_answer_must_be_about_the_place_the_question_names(
    assistant_session: Assistant,
) -> None:
    answer = assistant_session.ask("What was the increase in overall crime in Kent that year?")
    assert answer.kind == "not_found"
    question = assistant_session._read("overall crime rise in Kent")
    option = Option("overall crime has increased by 8.7 per cent", "Introduction")
    assert not assistant_session._names_all(question, option)
    assert assistant_session._names_all(
        question, Option("crime in Kent increased by 8.7 per cent", "Introduction")
    )


def test_one_word_the_report_never_uses_is_no_veto_on_a_quoted_sentence(
    assistant_session: Assistant,
) -> None:
    # "under-16s" is not a word of the report; the sentence that answers is still found
    answer = assistant_session.ask("What did reported rapes of under-16s go up by?")
    assert answer.kind == "answer" and "8.6" in answer.text


def test_a_table_line_never_answers_for_a_measure_the_report_never_names(
    assistant_session: Assistant,
) -> None:
    # no line of the accounts is overtime: no spending figure stands in for it
    answer = assistant_session.ask("How much did the force spend on overtime?")
    assert answer.kind == "not_found" and not answer.statistics


def test_a_figure_told_over_two_sentences_is_quoted_with_the_sentence_before(
    assistant_session: Assistant,
) -> None:
    # the best sentence names the email address; the next one gives how many messages came
    answer = assistant_session.ask("How many emails came in to the bad-driving reporting address?")
    assert answer.kind == "answer" and "2,500" in answer.text
    assert "email address" in answer.text
    # not for another place than the report's
    assert assistant_session.ask("What was the overall crime rise in Kent?").kind == "not_found"


def test_a_follow_up_asking_for_the_total_takes_its_subject_from_the_conversation(
    assistant_session: Assistant,
) -> None:
    first = assistant_session.ask("How many knife amnesty bins did the commissioner pay for?")
    answer = assistant_session.ask("And what did they cost altogether?", [first])
    assert "£25,000" in answer.text


def test_a_sentence_the_ranker_is_sure_of_answers_over_a_table_line_it_is_not(
    assistant_session: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the rules' line (domestic abuse offences solved, a percentage) is not what is asked;
    # the sentence giving the rise as a number is
    asked = "The report says reported domestic abuse offences went up 7.2 per cent. How many "
    asked += "extra offences is that?"
    answer = assistant_session.ask(asked)
    assert answer.kind == "answer" and "918" in answer.text
    off = assistant_session.settings.model_copy(update={"ranker_sentence_over_row": 1.01})
    monkeypatch.setattr(assistant_session, "settings", off)
    assert assistant_session.ask(asked).kind == "statistic"
    # a table question keeps its line
    assert assistant_session.ask("How many homicides were there in 2016-17?").kind == "statistic"


def _row_option(label: str) -> Option:
    row = stat_row(label, "1", kind="money", table="Funding")
    return Option(f"{label}: 2016/17: 1 (Funding)", "Funding Accounts", row=row)


def test_label_coverage_is_how_much_of_a_lines_label_the_question_says() -> None:
    options = [
        _row_option("Prison grant"),
        _row_option("Prison and bananas grant"),
        Option("Prison spending rose this year", "Heading Section"),
    ]
    space = space_of_options(options)
    pool, matrix = space.features("gaol grant", [0.0, 0.6, 0.8, 0.0])
    coverage = FEATURES.index("label_coverage")
    by_text = {space.options[i].text: row[coverage] for i, row in zip(pool, matrix, strict=True)}
    # "gaol" means "prison" (0.8 close), "grant" is said: the short line is covered all but
    # fully, the long one only in part; a sentence has no label
    assert by_text["Prison grant: 2016/17: 1 (Funding)"] > 0.8
    assert by_text["Prison and bananas grant: 2016/17: 1 (Funding)"] < 0.7
    assert by_text["Prison spending rose this year"] == 0.0


def test_a_line_named_in_full_is_chosen_over_one_named_in_part(
    assistant_session: Assistant,
) -> None:
    # "government" is a word of "DCLG" spelled out; "police grant" is the other line in full
    answer = assistant_session.ask(
        "Could you confirm how much came from the central government police grant in 2016/17?"
    )
    assert answer.kind == "statistic" and "102,783" in answer.text and "55,933" not in answer.text
    # naming a line in full does not answer for a measure the table does not have
    salary = assistant_session.ask("What salary does the Police and Crime Commissioner get?")
    assert not salary.statistics


def test_two_lines_named_in_full_are_both_given(assistant_session: Assistant) -> None:
    answer = assistant_session.ask(
        "Please give the net revenue expenditure together with the operational expenditure."
    )
    assert answer.kind == "statistic"
    assert "260,728" in answer.text and "254,206" in answer.text


def test_a_word_the_report_writes_as_two_is_matched_by_both_parts() -> None:
    from assistant.text import compound_index, compound_parts

    index = compound_index("footage from dash cams or go-pro cameras")
    assert compound_parts("dashcam", index) == ("dash", "cam")
    assert compound_parts("Dashcams", index) == ("dash", "cams")
    assert compound_parts("gopro", index) == ("go", "pro")
    assert compound_parts("cameras", index) is None  # one word, written as one


def test_a_table_line_is_found_by_what_its_terms_mean() -> None:
    # each term of definitions.json says what it means and where that comes from
    import json

    entries = json.loads(DEFINITIONS_FILE.read_text(encoding="utf-8"))["entries"]
    assert entries and all(e["term"] and e["means"] and e["source"] for e in entries)
    assert "set aside" in meanings("Transfer to Earmarked Reserve")
    both = meanings("Premises, Transport and transfer to earmarked reserve")
    assert "buildings" in both and "vehicles" in both and "set aside" in both
    assert meanings("Number of homicides") == ""  # whole terms only
    assert meanings("Incomes tax") == ""
    # a line's options carry the meanings with its table's title
    row = stat_row("Transfer to Earmarked Reserve", "5,551")
    option = options_for([], SimpleNamespace(rows=[row]))[0]
    assert "specific future purposes" in option.context
