"""The Assistant: a thin chain of the stages, from question to checked Answer."""

from __future__ import annotations

import difflib
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from assistant.answer import Answer, as_answer
from assistant.compose import Composer, topic_name
from assistant.contents import Contents
from assistant.corpus import FORCE_WORDS, area_words, load_corpus
from assistant.embedding import get_embedder, serve_one_query_per_core
from assistant.errors import AssistantError, IndexDamagedError
from assistant.index import (
    BuiltIndex,
    Lease,
    chroma_client,
    lease_current,
    rebuild_damaged,
    retry_locked,
)
from assistant.intake import clean, first_answer, with_privacy
from assistant.invariants import violations
from assistant.language import function_words
from assistant.lead import with_lead
from assistant.people import lower_case_stems, who_holds
from assistant.privacy import mask_personal_details
from assistant.question import (
    OPINION,
    PERSONAL_INFO,
    Question,
    analyse,
    apart,
    asks_author,
    compared,
    financial_years,
    focus,
    one_persons_pay,
    pays_personally,
    points_at_thing,
    points_back,
    split_compound,
    with_claim,
    with_context,
)
from assistant.ranker import (
    VECTORS_FILE,
    CandidateSpace,
    Embed,
    Option,
    Ranker,
    kept_candidates,
    options_for,
)
from assistant.ranker import load as load_ranker
from assistant.retrieval import HybridRetriever
from assistant.safety import SafetyRouter
from assistant.select import (
    Candidate,
    acceptable,
    asks_account,
    asks_action,
    asks_description,
    candidates,
    carries_on,
    choose,
    counts_in,
    counts_shares,
    cue_fit,
    defining_first,
    is_heading_like,
    specific_term,
    told_in_turn,
    wants_figure,
)
from assistant.settings import Settings
from assistant.statistics import (
    QUESTION_STEMS,
    StatisticsStore,
    StatRow,
    extreme,
    other_kind,
)
from assistant.suggest import Suggester
from assistant.text import (
    compound_index,
    compound_parts,
    content_words,
    glossary,
    normalise,
    number_key,
    numbers_in,
    spelled_out,
    stem,
    stems,
    words,
)
from assistant.text import expanded_stems as expanded

log = logging.getLogger(__name__)
_HAPPENED = re.compile(
    r"^\s*(did|has|have|had|was|were|will|is|are)\b|\b(actually|in the end)\b", re.I
)
READS_KEPT = 512  # questions read kept (cleared when full): a question is read twice
_MASK = re.compile(r"\[(email|phone|postcode|address|name)\]")
# "and" or "or" left with nothing to join once a word is dropped ("how many stop and  did")
_DANGLING = re.compile(
    r"\b(and|or)\s+(did|do|does|was|were|has|have|had)\b|\b(and|or)\s*([?.!]|$)",
    re.I,
)
_YEAR = re.compile(r"(19|20)\d\d")  # a year in a sentence is not one of a row's figures
# A line counting everything of a kind: "all crime", "total expenditure"
_TOTAL_OF = re.compile(r"\b(all|total|overall)\s+([a-z]+)", re.I)
_NOT_A_PART = frozenset("all total overall recorded reported of the many much".split())
# A force named as forces are ("Kent Police", "Avon and Somerset Constabulary": its last word)
_FORCE_NAME = re.compile(r"\b([A-Z][a-z]+) (?:Police|Constabulary)\b")


class Assistant:
    """Opens the index once; ask() answers one question with its sources."""

    def __init__(
        self,
        settings: Settings,
        built: BuiltIndex,
        retriever: HybridRetriever,
        store: StatisticsStore,
        composer: Composer,
        period_years: set[int],
        contents: Contents,
        router: SafetyRouter,
    ) -> None:
        self.settings = settings
        self.router = router
        self.space: CandidateSpace | None = None  # the learned answerer's candidates
        self.row_vectors: np.ndarray | None = None  # each table row's label, alone and titled
        self.ranker: Ranker | None = None
        self.stamp = built.stamp
        self.build = built.folder.name  # the build folder served (the web app follows switches)
        self.lease: Lease | None = None  # held from open() until close() or exit
        self.retriever = retriever
        self.store = store
        self.composer = composer
        self.period_years = period_years  # the years the reports' periods end in
        self.latest = max(period_years, default=None)  # "this year" ends then
        self.author_stems = frozenset(  # the words of the authors' roles ("Commissioner")
            stem(w) for name, _ in composer.authors.values() for w in content_words(name)
        )
        # the author's role ("Name, Role" in the manifest) by its head noun, its last word
        # ("Commissioner", not "Police"): the report's prose names it by writing "I", "my"
        self.voice_stems = frozenset(
            stem(role[-1])
            for name, _ in composer.authors.values()
            if (role := content_words(name.partition(",")[2]))
        )
        self.lower_case_stems = lower_case_stems(built.passages)  # for "who is ..." questions
        self.contents = contents
        self._suggester: Suggester | None = None  # made on first use, with its cache
        self._behind: dict[str, StatRow] | None = None  # sentences giving a row's change
        self._reads: dict[str, Question] = {}  # questions read, by their focused text
        # words the reports write as two ("go-pro"), by the one word they make
        self._compounds = compound_index(" ".join(composer.reports.values()).lower())
        self.figures = frozenset(  # every figure the tables print, as a word ("159556")
            w for r in store.rows for w in words(r.quote) if w.isdigit()
        )
        table_words = {
            w
            for r in store.rows
            for w in content_words(f"{r.label} {r.table_title} {r.label_header}")
        }
        self.vocabulary = sorted(
            {w for p in built.passages for w in content_words(p.text)} | table_words
        )
        self._vocabulary_set = frozenset(self.vocabulary)
        # the reports' section titles are their words too ("the summary of accounts")
        title_words = {w for p in built.passages for w in content_words(p.section)}
        self.force_names = frozenset(  # forces the reports name ("Kent Police"), their own too:
            name  # a name, one the reports only write capitalised ("Special Constabulary": no)
            for p in built.passages
            for m in _FORCE_NAME.finditer(p.text)
            if (name := m.group(1).lower()) in retriever.proper_words
        )
        self.title_stems = frozenset(  # the words of the reports' own titles ("report")
            stem(w) for title in composer.reports for w in content_words(title)
        )
        self.known_stems = (
            set(retriever.document_frequency)
            | {stem(w) for w in table_words | title_words}
            | QUESTION_STEMS
        )

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        progress: Callable[[str], None] | None = None,
        router: SafetyRouter | None = None,
    ) -> Assistant:
        """Open the index (building it when missing, stale or damaged) and load the model; the
        safety router is the one given (the web app's and the CLI's route before opening) or
        new."""
        settings = settings or Settings()
        router = router or SafetyRouter.for_settings(settings).load_classifier()
        try:
            return cls._leased(settings, router, progress)
        except IndexDamagedError as damage:
            log.warning("rebuilding the index: %s", damage)
            rebuild_damaged(settings, damage.build, progress)
        return cls._leased(settings, router, progress)  # damaged again: the one-line error

    @classmethod
    def _leased(
        cls, settings: Settings, router: SafetyRouter, progress: Callable[[str], None] | None
    ) -> Assistant:
        """An Assistant over the current build, holding a lease on it while it serves."""
        built, lease = lease_current(settings, progress)
        try:
            assistant = cls._on_build(settings, built, router)
        except BaseException:
            lease.release()
            raise
        assistant.lease = lease
        return assistant

    @classmethod
    def _on_build(cls, settings: Settings, built: BuiltIndex, router: SafetyRouter) -> Assistant:
        """An Assistant over one build folder: its collections, store and candidates."""
        passages, sentences, store = _open_parts(settings, built)
        serve_one_query_per_core()
        retriever = HybridRetriever(
            built.passages,
            passages,
            sentences,
            get_embedder(settings.resolved_model_dir()),
            settings.rrf_k,
        )
        documents = load_corpus(settings.corpus_dir)
        reports = {d.title: normalise(d.text) for d in documents}
        years = {int(d.period_end[:4]) for d in documents if d.period_end[:4].isdigit()}
        authors = {d.title: (d.author, d.author_quote) for d in documents}
        own = area_words(settings.corpus_dir, documents)
        composer = Composer(reports, built.passages, store, authors, own)
        assistant = cls(
            settings, built, retriever, store, composer, years, Contents(documents), router
        )
        assistant.space, assistant.ranker = _learned_answerer(
            built, store, retriever.embed_queries, assistant._compounds
        )
        assistant.row_vectors = row_vectors(store, retriever.embed_texts)
        return assistant

    def suggest(self, answer: Answer | dict, history: Sequence[Answer | dict] = ()) -> list[str]:
        """Up to max_suggestions follow-up questions, from the answer's table or section,
        each one this Assistant answers from a source the conversation (``history``, oldest
        first, then the answer) has not cited yet (assistant.suggest); [] for refusals."""
        if self._suggester is None:
            self._suggester = Suggester(
                self.store, self.composer.passages, self.ask, self.settings.suggestion_tries
            )
        limit = self.settings.max_suggestions
        return self._suggester.suggest(as_answer(answer), limit, _earlier(history))

    def close(self) -> None:
        """Release the build this Assistant serves, so a later ingest may delete it."""
        if self.lease is not None:
            self.lease.release()

    def ask(self, question: Any, history: Sequence[Answer | dict] = ()) -> Answer:
        """Answer one question, given the earlier answers of the conversation (oldest first)."""
        started = time.perf_counter()
        answer = self._answer(question, history)
        answer.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer

    def _answer(self, question: Any, history: Sequence[Answer | dict]) -> Answer:
        first = first_answer(question, self.router, self.settings.max_question_chars)
        if first is not None:
            return first
        text = clean(question)
        shown = mask_personal_details(text)
        asked = _MASK.sub(" ", shown)  # personal details are never searched for
        return with_privacy(self._checked(self._grounded(asked, _earlier(history)), shown), text)

    def _grounded(self, text: str, earlier: list[Answer]) -> Answer:
        """Each question of a two-part question answered in turn (the second with the first
        as context), the answers joined; a single question as it is."""
        parts = split_compound(text)
        if len(parts) == 1:  # "I live in X. How much did A rise, and is that more than B?"
            parts = split_compound(focus(text))
        if len(parts) == 1:
            compared = self._compared(text, earlier)
            return compared or with_lead(self._single(text, earlier), self._read(focus(text)))
        first = self._compared(parts[0], earlier) or self._single(parts[0], earlier)
        context = [*earlier, first] if first.kind in ("answer", "statistic") else earlier
        return self.composer.joined(text, [first, self._single(parts[1], context)])

    def _compared(self, text: str, earlier: list[Answer]) -> Answer | None:
        """A comparison of two things ("Was more spent on A or B?") as both answers, each with
        its citation; None when it compares nothing, or when either side finds no answer (the
        whole question is then answered as asked)."""
        pair = compared(text, self.latest) or compared(focus(text), self.latest)
        if pair is None:
            return None
        asked = [self._read(focus(part)) for part in pair]
        rows = self._paired_rows([self._row_for(q) for q in asked], asked)
        if rows.count(None) == 1:  # one side found its table: the other's line in it, by
            found = next(r for r in rows if r is not None)  # what that side alone says
            bare = [self._read(focus(part)) for part in apart(pair)]
            rows = [
                r
                or self._closest_row(q, found.table_title)
                or self._closest_row(b, found.table_title)
                for q, b, r in zip(asked, bare, rows, strict=True)
            ]
        if all(rows) and rows[0] != rows[1] and rows[0].table_title == rows[1].table_title:
            # two lines of one table: their figures are the comparison
            return self.composer.from_two_rows(text, rows, self._analysed(text).period)
        answers = [self._single(part, earlier) for part in pair]
        if any(a.kind not in ("answer", "statistic") for a in answers):
            return None
        if {c.quote for c in answers[0].citations} == {c.quote for c in answers[1].citations}:
            return None  # both sides found the same source: no comparison made
        return self.composer.joined(text, answers)

    def _single(self, text: str, earlier: list[Answer]) -> Answer:
        """A statistic, cited sentences, or not_found; conversation context for follow-ups."""
        if PERSONAL_INFO.search(text) or OPINION.search(text) or self._after_period(text):
            return self.composer.not_found(text)  # personal details and opinions: never here
        page = self.contents.lookup(text)
        if page is not None:
            return page
        if asks_author(text):  # "who is behind this report?": its manifest's author
            written = self.composer.by_author(text)
            if written is not None:
                return written
        focused = focus(text)
        question = self._read(focused)
        if not self._names_a_subject(question) and (claim := with_claim(text)) is not None:
            focused, question = claim, self._read(claim)  # the claim says what it is about
        whose = one_persons_pay(focused)
        if whose is not None:  # a spending line is not a salary: say so, and where it is
            return self.composer.not_their_pay(
                text, whose, self.store.match(question, self._weight)
            )
        previous = earlier[-1] if earlier else None
        if previous is None and question.follow_up_cue and not question.terms:
            return self.composer.nothing_to_follow(text)  # "and the year before?" first
        tried_follow_up = previous is not None and points_back(text)
        if tried_follow_up:
            # "how many did they record?": read in the light of the conversation first, so
            # "they" is what the last answer was about, not any row that fits the rest
            followed = self._follow_up(text, question, earlier)
            if followed is not None:
                return followed
        # what is done about X: not a table's count of X; what a household pays: not a total;
        # another force's figures: not in the tables, which count the report's own
        acting = (
            asks_action(question) or pays_personally(focused) or self._names_another_force(question)
        )
        most = None if acting else extreme(self.store, question)
        if most is not None:
            return self.composer.from_extreme(text, most)
        row = None if acting else self.store.match(question, self._weight)
        if row is not None:
            other = self.store.also_named(question, row, self._weight)
            if other is not None:  # two lines named in full: both figures
                rows = [row, other]
                return self.composer.joined(
                    text, [self.composer.from_row(text, r, question.period) for r in rows]
                )
            return self._sentence_over_row(text, question, row)
        if (
            previous is not None
            and not tried_follow_up
            and (question.follow_up_cue or len(question.terms) <= 1)
        ):
            followed = self._follow_up(text, question, earlier)
            if followed is not None:
                return followed
        found = self._from_passages(text, question)
        if found.kind == "not_found" and question.cue in ("who", "person"):
            found = self._named(text, question) or found
        if found.kind == "not_found" and previous is not None and not tried_follow_up:
            found = self._follow_up(text, question, earlier) or found
        if found.kind == "not_found" and (wider := with_context(text)) is not None:
            found = self._from_passages(text, self._read(wider))  # the statements say which
        if found.kind == "not_found":
            learned = self._learned(text, question)
            if learned is not None:
                return learned
            nearest = self._closest_figure_row(question)
            if nearest is None:
                return found
            return self._sentence_over_row(text, question, nearest, by_words=False)
        return self._row_behind(text, question, found) or self._row_over_sentences(
            text, question, found
        )

    def _row_behind(self, text: str, question: Question, found: Answer) -> Answer | None:
        """A figure question answered by one sentence that gives a table row's change (the
        same percentage, the same direction, about the row's measure) is answered from the
        row: exact figures come from the tables, and the row's answer quotes the sentence
        too ("The report's text agrees: ..."). None when no row stands behind it."""
        if found.kind != "answer" or len(found.citations) != 1 or not wants_figure(question):
            return None  # more sentences quoted: they say more than the row
        quote = found.citations[0].quote
        row = self._rows_behind().get(quote)
        asked = set().union(*question.term_stems())
        if row is None or not row.label_stems() & asked:  # the row is what was asked about
            return None
        if not _figures_said(quote) <= _row_figures(row):
            return None  # another place's figure beside the row's: it says more
        answer = self.composer.from_row(text, row, question.period)
        quoted = {c.quote for c in answer.citations}
        return answer if quote in quoted else None  # nothing said is lost

    def _rows_behind(self) -> dict[str, StatRow]:
        """Each sentence that gives a table row's change, agreeing with it, and that row
        (worked out once)."""
        if self._behind is None:
            behind: dict[str, StatRow] = {}
            for row in self.store.rows:
                for m in self.composer.mentions(row):
                    if m.agrees:
                        behind.setdefault(m.sentence, row)
            self._behind = behind
        return self._behind

    def _read(self, focused: str) -> Question:
        """The asking part of a question read: typos corrected, key terms and cue found,
        figures the reports never give and one filler word dropped. A question asking who
        holds a role named by its abbreviation alone ("who's the PCC") gets it spelled out, as
        the report names people next to their roles written in full."""
        known = self._reads.get(focused)
        if known is not None:  # read once per text: the first line reads it again
            return known
        question = self._analysed(self._corrected(focused))
        if (
            question.cue in ("who", "person")
            and len(question.terms) == 1
            and spelled_out(focused) != focused
        ):
            question = self._analysed(self._corrected(spelled_out(focused)))
        # a figure the reports never give ("is it £40,000?") is the writer's, to be checked:
        # not what the question is about
        theirs = [
            t
            for t in question.terms
            if t.isdigit() and t not in self.figures and not expanded(t) & self.known_stems
        ]
        if theirs and len(theirs) < len(question.terms):
            question = replace(question, terms=tuple(t for t in question.terms if t not in theirs))
        question = self._without_filler(question)
        if len(self._reads) >= READS_KEPT:
            self._reads.clear()
        self._reads[focused] = question
        return question

    def _paired_rows(
        self, rows: list[StatRow | None], asked: list[Question]
    ) -> list[StatRow | None]:
        """Two sides found in different tables ("the police grant or the precept" matched a
        spending line and a funding line): the side that reads as well in the other's table
        moves there, so both come from one table; otherwise the rows as found."""
        if not all(rows) or rows[0].table_title == rows[1].table_title:  # type: ignore[union-attr]
            return rows
        for i in (0, 1):
            other = rows[1 - i]
            moved = self._closest_row(asked[i], other.table_title)  # type: ignore[union-attr]
            if moved is not None and moved != other:
                return [moved, other] if i == 0 else [other, moved]
        return rows

    def _row_for(self, question: Question) -> StatRow | None:
        """The table row one side of a comparison names: by its terms, else by meaning
        (``_closest_row``, the side asked as a figure)."""
        return self.store.match(question, self._weight) or self._closest_row(question)

    def _sentence_over_row(
        self, text: str, question: Question, row: StatRow, by_words: bool = True
    ) -> Answer:
        """A table line the rules chose, unless the learned ranker is nearly sure
        (``ranker_sentence_over_row``) of a sentence that gives a figure of the kind asked and
        holds the line less than half as likely ("how much did the commissioner's office spend
        on supporting victims?" is the sentence on victims' services, not the office's line).
        A line the rules matched by its words (``by_words``) whose every word the question says
        is kept without asking the ranker (most table questions: no time spent)."""
        answer = self.composer.from_row(text, row, question.period)
        bar = self.settings.ranker_sentence_over_row
        if bar > 1 or self.ranker is None or self.space is None:
            return answer
        asked = set().union(*question.term_stems())
        if by_words and all(g & asked for g in row.label_groups()):
            return answer  # the question says every word of the line's label: it is the line
        ranked, sure = ranking = self._ranking(question)
        if not ranked or ranked[0][0].row is not None or ranked[0][1] < bar:
            return answer
        best, likely = ranked[0]
        if sure < self.ranker.threshold or any(
            p >= likely / 2 for o, p in ranked if o.row is not None and o.row.label == row.label
        ):
            return answer
        quoted = {c.quote for c in answer.citations}
        said = _figures_said(best.text)
        if best.text in quoted or _row_figures(row) & said:
            return answer  # the sentence agrees with the line: the table gives the exact figures
        if not said or (question.cue is not None and not cue_fit(question, best.text)):
            return answer  # the sentence gives no figure of the kind asked
        held = stems(best.text)
        if any(not g & held for g in question.term_stems() if g & row.label_stems()):
            return answer  # what the line names of the question, the sentence does not say
        learned = self._learned(text, question, ranking)
        return learned if learned is not None and learned.kind == "answer" else answer

    def _closest_figure_row(self, question: Question) -> StatRow | None:
        """A figure asked for in other words than the table's ("nuisance behaviour incidents",
        "the bottom-line total cost"): the row whose label means nearly the same as the
        question (cosine at least row_similarity, its label alone or with its table's title),
        when nothing else answered. The period asked about must be one of its columns."""
        if not wants_figure(question):
            return None
        row = self._closest_row(question)
        if row is None:
            return None
        unknown = set(self._unknown_terms(question))
        pairs = zip(question.terms, question.term_stems(), strict=True)
        known = [g for t, g in pairs if t not in unknown]
        if unknown and not any(g & row.label_stems() for g in known):
            # a word the report never uses, and nothing else the question names in the line's
            # label ("spend on overtime" is not "Police staff pay"; "nuisance behaviour
            # incidents" does reach "Number of anti-social behaviour incidents")
            return None
        if _part_of_total(question.text, row.label):
            return None  # "knife crime offences" are a part of "all crime offences", not all
        return row

    def _closest_row(self, question: Question, table: str | None = None) -> StatRow | None:
        """The row closest in meaning to the question (see ``_closest_figure_row``), or None;
        with ``table``, the closest line of that table (the other side of a comparison whose one
        side named it), at least pair_row_similarity close."""
        if self.row_vectors is None or not self.store.rows:
            return None
        vector = np.asarray(self.retriever.embed(question.text), dtype=np.float32)
        similarity = (self.row_vectors @ vector).reshape(2, -1).max(axis=0)
        if table is not None:
            similarity = np.where(
                [r.table_title == table for r in self.store.rows], similarity, -1.0
            )
        best = int(np.argmax(similarity))
        row = self.store.rows[best]
        asked = financial_years(question.text)
        bar = self.settings.row_similarity if table is None else self.settings.pair_row_similarity
        if similarity[best] < bar or (asked and not asked & row.years()):
            return None
        # every word of the label ("Police Grant" names the police, a word too common to
        # say what the row measures) and of its table
        held = row.label_stems() | stems(row.label) | row.context_stems()
        held |= {stem(w) for w in self.composer.own}
        if any(not expanded(name) & held for name in question.names):
            return None  # a place or body the row is not about ("in Kent", "across England")
        if other_kind(question, row):
            return None  # "how many PCSOs" is not answered by a percentage
        return row

    def _named(self, text: str, question: Question) -> Answer | None:
        """For "who is ..." questions: the report's sentence naming someone next to the role
        asked about; None when no sentence does."""
        named = who_holds(
            question.term_stems(),
            self.retriever.passages,
            self.retriever.proper_words,
            self._weight,
            self.author_stems,
            self.lower_case_stems,
        )
        if named is None:
            return None
        chosen = Candidate(named.passage, named.index, named.text, 0, 0, True, True, True, 0, 0)
        return self.composer.from_sentences(text, [chosen], name_the_author=True)

    def _ranking(self, question: Question) -> tuple[list[tuple[Option, float]], float]:
        """The learned ranker's candidates, best first, and its confidence in the first."""
        assert self.ranker is not None and self.space is not None
        return self.ranker.best(self.space, question.text, self.retriever.embed(question.text))

    def _learned(
        self,
        text: str,
        question: Question,
        ranking: tuple[list[tuple[Option, float]], float] | None = None,
    ) -> Answer | None:
        """The learned ranker's answer when the rules found nothing and its calibrated
        confidence passes the fitted threshold; None otherwise (``ranking``: the ranker's,
        when the caller has it already)."""
        if self.ranker is None or self.space is None or not self.settings.learned_answerer:
            return None
        unknown = self._unknown_terms(question)
        if unknown and len(unknown) == len(question.terms):
            return None  # the report uses none of the words saying what is asked ("population")
        ranked, sure = ranking or self._ranking(question)
        if not ranked or sure < self.ranker.threshold:
            return None
        kept = [
            o
            for o in kept_candidates(
                ranked, self.settings.ranker_keep_ratio, self.settings.max_citations
            )
            if self._in_period(question, o.text) and self._names_all(question, o)
        ]
        if wants_figure(question):
            # a figure question is not answered by sentences that give no figure. A word the
            # report never uses ("under-16s", "claimed") does not veto a sentence (how much of
            # the question the report's words cover is a feature of the confidence model),
            # but it does veto a table line: a line's label names its whole measure, so a
            # measure the report never names ("overtime") is in none of its tables
            kept = [o for o in kept if o.row is not None or numbers_in(o.text)]
            if question.cue in ("duration", "money", "percentage", "count"):
                # a time, a sum, a share or a count asked for: a sentence giving one ("12
                # months to March 2031." holds numbers, but no share; "Section 136" no count)
                kept = [o for o in kept if o.row is not None or cue_fit(question, o.text)]
            if unknown:
                kept = [o for o in kept if o.row is None]
            if not kept:
                kept = self._figure_after(question, ranked[0][0])
            elif kept[0].row is None:
                kept += self._carried_on(question, kept[0], kept)
        if not kept:
            return None
        rows = [o.row for o in kept if o.row is not None]
        if kept[0].row is not None:  # a figure from a table (two rows: a comparison)
            parts = [self.composer.from_row(text, row, question.period) for row in rows[:2]]
            return parts[0] if len(parts) == 1 else self.composer.joined(text, parts)
        chosen = [
            Candidate(o.passage, o.index, o.text, 0.0, 0.0, True, True, False, 0.0, 0.0)
            for o in kept
            if o.passage is not None
        ]
        chosen.sort(key=lambda c: (c.passage.position, c.index))  # in reading order
        return self.composer.from_sentences(text, chosen)

    def _figure_after(self, question: Question, best: Option) -> list[Option]:
        """The best sentence and the next one of its passage, when the best gives no figure of
        the kind asked and the next one does ("... an email address was introduced." then
        "More than 2,500 messages were received ..."): a figure told over two sentences."""
        if best.passage is None or not self._in_period(question, best.text):
            return []
        if not self._names_all(question, best):
            return []  # about another place or body ("in Kent")
        after = _next_sentence(best)
        if after is None:
            return []
        # the count may count what the best sentence names ("messages" for its email address)
        if question.cue == "count":
            shares = counts_shares(question)
            holds = any(shares or not share for _, _, share in counts_in(after))
        else:
            holds = cue_fit(question, after) > 0
        if not numbers_in(after) or not holds:
            return []
        if not self._in_period(question, after):
            return []
        return [best, Option(after, best.context, best.passage, best.index + 1)]

    def _carried_on(self, question: Question, best: Option, kept: list[Option]) -> list[Option]:
        """The sentence after the best one when it carries on from it ("This additional £3.1
        million funded ..." after the precept rise) with a figure of the kind asked: the
        figure told over two sentences, as ``choose`` keeps a sentence that carries on."""
        after = _next_sentence(best)
        if after is None or any(
            o.passage is best.passage and o.index == best.index + 1 for o in kept
        ):
            return []
        if not (carries_on(after) and numbers_in(after) and cue_fit(question, after) > 0):
            return []  # (its period is the best one's, which it carries on from)
        return [Option(after, best.context, best.passage, best.index + 1)]

    def _row_over_sentences(self, text: str, question: Question, found: Answer) -> Answer:
        """A figure question the rules answered with sentences ("what did it cost to run the
        commissioner's own office?" with a sentence about what the office spent on victims)
        is answered from a table row instead when the learned ranker is nearly sure of that
        row (``ranker_row_over_rules``) and gives none of the quoted sentences half its
        probability. The row must hold the period asked about and be about every place or
        body the question names."""
        bar = self.settings.ranker_row_over_rules
        if (
            found.kind != "answer"
            or bar > 1
            or self.ranker is None
            or self.space is None
            or not self.settings.learned_answerer
            or not wants_figure(question)
        ):
            return found
        ranked, _ = self._ranking(question)
        if not ranked or ranked[0][0].row is None or ranked[0][1] < bar:
            return found
        best, likely = ranked[0]
        quoted = {c.quote for c in found.citations}
        if any(p >= likely / 2 for o, p in ranked if o.row is None and o.text in quoted):
            return found
        row = best.row
        asked = financial_years(question.text)
        if (asked and not asked & row.years()) or not self._names_all(question, best):
            return found
        if other_kind(question, row):
            return found  # "how many" is not answered by a percentage
        return self.composer.from_row(text, row, question.period)

    def _names_all(self, question: Question, option: Option) -> bool:
        """Whether a learned candidate is about every place or body the question names
        ("in Kent", "across England"): in its words, its context, or the report's own area."""
        held = stems(f"{option.text} {option.context}") | {stem(w) for w in self.composer.own}
        return all(expanded(name) & held for name in question.names)

    def _follow_up(self, text: str, question: Question, earlier: list[Answer]) -> Answer | None:
        """Read the question in the light of the conversation; None when that doesn't help.

        What the new question names (its own key terms) must be in the answer; the
        conversation only supplies what it leaves out."""
        previous = earlier[-1]
        if previous.statistics and not question.terms:
            row = self.store.find(previous.statistics[0].indicator)
            if row is not None:
                period = question.period or (
                    "earlier" if row.periods()[-1] == previous.statistics[0].period else None
                )
                return self.composer.from_row(text, row, period)
        context = " ".join(focus(a.question) for a in earlier[-2:])
        combined = self._analysed(self._corrected(f"{focus(text)} {context}"))
        own = [g for g in question.term_stems() if not g <= QUESTION_STEMS]
        row = self.store.match(combined, self._weight, must_hold=own)
        if row is not None and question.terms:
            return self.composer.from_row(text, row, question.period)
        subject = self._subject(previous.question, question) if points_at_thing(text) else []
        specific = specific_term(question, self.retriever, subject) if subject else set()
        # first asked as the question asks, "it" the most specific thing named before:
        # "which force does it work with?" after "how much did the Serious Crime Directorate
        # cost?" is about the Directorate (not any crime), and names a force (not a sum);
        # then as the conversation asks
        asked = replace(combined, cue=question.cue or combined.cue)
        readings = [(asked, [specific])] if specific else []
        if asked.cue != combined.cue:
            readings.append((asked, subject))
        for reading, about in readings:
            found = self._from_passages(text, reading, must_mention=own, about=about)
            if found.kind != "not_found":
                return found
        found = self._from_passages(text, combined, must_mention=own, about=subject)
        if found.kind == "not_found" and subject:
            # "who runs it?": no sentence says both "run" and "Firebreak"; the one about
            # Firebreak that answers the whole question best ("... Fire and Rescue
            # Service's Firebreak programme")
            found = self._from_passages(text, combined, must_mention=subject)
        return None if found.kind == "not_found" else found

    def _subject(self, earlier: str, question: Question) -> list[set[str]]:
        """What "it" or "that" stands for: the key terms of the question before that the new
        question does not say itself."""
        said = set().union(*question.term_stems())
        return [
            g
            for g in self._analysed(focus(earlier)).term_stems()
            if not g <= QUESTION_STEMS and not g & said
        ]

    def _from_passages(
        self,
        text: str,
        question: Question,
        must_mention: list[set[str]] = (),
        about: list[set[str]] = (),
    ) -> Answer:
        """Cited sentences answering the question (each mentioning a term of
        ``must_mention``, and one of ``about`` itself or in the sentence before it, when
        given), or not_found."""
        own = list(must_mention) or None
        vector = self.retriever.embed(question.text)
        hits = self.retriever.search(question.text, vector, self.settings.top_k)
        ranked = candidates(
            question,
            hits,
            self.retriever.sentence_similarities(vector),
            self.retriever,
            own,
            self.settings.filler_similarity,
            self.voice_stems,
        )
        everything = ranked
        ranked = [
            c
            for c in ranked
            if acceptable(
                c,
                question,
                self.settings.min_coverage,
                self.settings.min_similarity,
                self.settings.close_meaning,
            )
            and (not must_mention or any(g & stems(c.text) for g in must_mention))
            and (not about or any(g & _with_before(c) for g in about))
            and self._in_period(question, c.text)
        ]
        if asks_action(question):
            # what is done about something: a list's bare name of it ("Crack down on
            # antisocial behaviour") does not say, when a sentence of the report does
            said = [c for c in ranked if not is_heading_like(c)]
            ranked = said or ranked
        unknown = self._unknown_terms(question)
        if wants_figure(question) and unknown:
            # a figure about something the report never names is not in the report, unless
            # the sentence holds nearly everything else the question says
            ranked = [c for c in ranked if _share_named(question, c.text) >= 0.75]
        ranked = defining_first(question, ranked)
        best = ranked[0] if ranked else None
        if best is None:
            topics = list(
                dict.fromkeys(
                    topic_name(h.passage.section)
                    for h in hits
                    if h.passage.section not in ("Cover and contents", "Introduction")
                )
            )[:3]
            return self.composer.not_found(text, topics)
        chosen = choose(
            ranked, self.settings.max_citations, everything, describe=asks_description(question)
        )
        if asks_account(question) and any(
            g & stems(best.passage.heading) for g in question.term_stems()
        ):  # what happened in the story the question names: its paragraphs in turn
            chosen = told_in_turn(best, self.retriever.passages, self.settings.max_citations) or (
                chosen
            )
        answer = self.composer.from_sentences(
            text, chosen, name_the_author=question.cue in ("who", "person")
        )
        return answer

    def _after_period(self, text: str) -> bool:
        """Whether the question asks what happened (or will) after the reports' years."""
        years = [int(y) for y in re.findall(r"\b(20\d\d)\b", text)]
        latest = max(self.period_years, default=9999) + 1
        return any(y > latest for y in years) and _HAPPENED.search(text) is not None

    def _names_another_force(self, question: Question) -> bool:
        """Whether the question names a police force other than the reports' own ("Kent
        Police", "Hertfordshire Constabulary") before a force word: one the reports name so
        themselves, or a name they never write."""
        if not question.own:
            return False
        for m in _FORCE_NAME.finditer(question.text):
            name = m.group(1).lower()
            if name in question.own or name in FORCE_WORDS or name in function_words():
                continue
            if name in self.force_names or not expanded(name) & self.known_stems:
                return True
        return False

    def _names_a_subject(self, question: Question) -> bool:
        """Whether the question names something the reports speak of, beyond the words of
        their own titles ("what does the report give?", "what's the correct one?": no)."""
        unknown = set(self._unknown_terms(question))
        return any(t not in unknown and not expanded(t) <= self.title_stems for t in question.terms)

    def _unknown_terms(self, question: Question) -> list[str]:
        """Key terms of the question that the report never uses (nor as two words: 'gopro')."""
        return [
            t
            for t in question.terms
            if not (expanded(t) & self.known_stems) and not self._compound_word(t)
        ]

    def _analysed(self, text: str) -> Question:
        """The question read with this corpus's latest year and the words naming its area."""
        return analyse(text, self.latest, self.composer.own)

    def _without_filler(self, question: Question) -> Question:
        """The question without the one word the report never uses when it adds next to
        nothing to its meaning ("the support *side* of the force"): it is dropped when the
        question's embedding without it stays at least filler_similarity close. Words that
        change the meaning ("overtime", "helicopters"), and two or more unknown words, stay
        and still mark a figure the report does not give."""
        unknown = self._unknown_terms(question)
        if len(unknown) != 1 or len(question.terms) < 2:
            return question  # two unknown words: the question is likely about something else
        word = unknown[0]
        without = re.sub(rf"\b{re.escape(word)}\b", " ", question.text, flags=re.I)
        if len(_DANGLING.findall(without)) > len(_DANGLING.findall(question.text)):
            return question  # half of a pair ("stop and searches"): the pair names the thing
        whole = np.asarray(self.retriever.embed(question.text))
        if float(whole @ np.asarray(self.retriever.embed(without))) < (
            self.settings.filler_similarity
        ):
            return question
        return replace(question, terms=tuple(t for t in question.terms if t != word))

    def _compound_word(self, word: str) -> bool:
        """'gopro' for the report's 'go-pro', 'dashcam' for its 'dash cams': one word the
        report writes as two (the second may end in a plural)."""
        return compound_parts(word, self._compounds) is not None

    def _in_period(self, question: Question, sentence: str) -> bool:
        """A question about a year the report does not cover needs a sentence naming it."""
        asked = financial_years(question.text)
        if not asked or asked & self.period_years:
            return True
        return any(str(year) in sentence for year in asked)

    def _checked(self, answer: Answer, shown: str) -> Answer:
        """The answer if it keeps every invariant; otherwise an honest refusal (and a log line)."""
        problems = self.invariant_violations(answer)
        if not problems:
            return answer
        log.error("answer withheld, invariants broken: %s", "; ".join(problems))
        return self.composer.not_found(shown)

    def _weight(self, stems: set[str]) -> float:
        """How telling a question term is: the IDF of its rarest form."""
        return max(self.retriever.idf(s) for s in stems)

    def _corrected(self, text: str) -> str:
        """The question with unknown words replaced by close report words (typos); a word the
        embedding model's vocabulary holds whole is a word, not a typo ("proportion" is not
        "promotion"). A dropped final g ("goin", "puttin'") is put back when that makes a
        word and the word as typed is none."""
        out = text
        for word in sorted(set(content_words(text))):
            if (
                len(word) < 4
                or word.isdigit()
                or word in glossary()
                or stem(word) in self.known_stems
                or self.retriever.is_word(word)
            ):
                continue
            if word.endswith("in") and self.retriever.is_word(f"{word}g"):
                out = re.sub(rf"\b{re.escape(word)}'?(?!\w)", f"{word}g", out, flags=re.I)
                continue
            swapped = self._transposed(word)  # "cheif": two letters typed in turn
            close = [swapped] if swapped else []
            close = close or difflib.get_close_matches(word, self.vocabulary, n=1, cutoff=0.84)
            if close:
                out = re.sub(rf"\b{re.escape(word)}\b", close[0], out, flags=re.I)
        return out

    def _transposed(self, word: str) -> str | None:
        """The report word the typed word is with two neighbouring letters swapped back
        ("cheif": "chief", "recieved": "received"), when exactly one is."""
        words = self._vocabulary_set
        found = {
            swapped
            for i in range(len(word) - 1)
            if word[i] != word[i + 1]
            and (swapped := word[:i] + word[i + 1] + word[i] + word[i + 2 :]) in words
        }
        return found.pop() if len(found) == 1 else None

    def invariant_violations(self, answer: Answer | dict) -> list[str]:
        """Broken invariants of an answer, one line each; [] when all hold."""
        return violations(as_answer(answer), self.composer.reports)

    def retrieve(self, question: str, k: int = 5) -> list[dict[str, Any]]:
        """Ranked sources for a question, as the answer path sees them (for retrieval metrics):
        the matching table row first when the statistics lookup finds one, then passages."""
        text = self._corrected(focus(question))
        row = self.store.match(self._analysed(text), self._weight)
        found = [_source(row.document, row.section, row.pages, row.quote, 1.0)] if row else []
        hits = self.retriever.search(text, self.retriever.embed(text), k)
        found += [
            _source(h.passage.document, h.passage.section, h.passage.pages, h.passage.text, h.score)
            for h in hits
        ]
        return found[:k]

    def tables(self) -> list[dict[str, Any]]:
        """The statistics store's tables, for display."""
        return self.store.tables()


def _open_parts(settings: Settings, built: BuiltIndex) -> tuple[Any, Any, StatisticsStore]:
    """The build's two Chroma collections and its statistics store; a store locked for a
    moment is retried with back-off (IndexBusyError after that), damage is IndexDamagedError."""

    def attempt() -> tuple[Any, Any, StatisticsStore]:
        client = chroma_client(settings, built.folder)
        passages = client.get_collection(built.collection_name("passages"))
        sentences = client.get_collection(built.collection_name("sentences"))
        if passages.count() != len(built.passages):
            raise ValueError("passages missing from the collection")
        return passages, sentences, StatisticsStore.load(built.stats_path)

    try:
        return retry_locked(attempt, settings.index_lock_wait, built.folder)
    except AssistantError:
        raise
    except Exception as error:
        raise _damaged(built, error) from None


def _damaged(built: BuiltIndex, error: Exception) -> IndexDamagedError:
    """The one-line error for a build whose store, collections or candidates can't be read."""
    return IndexDamagedError(
        f"{built.folder}: index is damaged ({type(error).__name__}); "
        "run 'assistant ingest --force' to rebuild it",
        build=built.folder.name,
    )


def _learned_answerer(
    built: BuiltIndex,
    store: StatisticsStore,
    embed: Embed,
    compounds: dict[str, tuple[str, str]],
) -> tuple[CandidateSpace, Ranker | None]:
    """The candidate space of the build (with the reports' two-word spellings, ``compounds``)
    and the fitted ranker; (space, None) when no ranker has been fitted yet (`assistant rank
    fit`), and the rules answer alone."""

    try:
        with np.load(built.folder / VECTORS_FILE) as data:
            vectors = {k: data[k] for k in data.files}
        space = CandidateSpace(options_for(built.passages, store), vectors, embed, compounds)
    except Exception as error:  # missing, truncated, not an archive or of an older build
        raise _damaged(built, error) from None
    try:
        return space, load_ranker()
    except (OSError, ValueError, KeyError) as error:
        log.warning("learned ranker unavailable (%s): rules answer alone", error)
        return space, None


def row_vectors(store: StatisticsStore, embed: Callable[[list[str]], Any]) -> np.ndarray | None:
    """Each table row's label embedded alone, then with its table's title (2 x rows)."""
    if not store.rows:
        return None
    labels = [spelled_out(r.label) for r in store.rows]
    texts = labels + [
        f"{label} ({r.table_title})" for label, r in zip(labels, store.rows, strict=True)
    ]
    return np.asarray(embed(texts), dtype=np.float32)


def _row_figures(row: StatRow) -> set[str]:
    """A table line's figures, compared without sign, commas, % or £."""
    return {number_key(v.lstrip("-")) for v in row.values.values()}


def _figures_said(text: str) -> set[str]:
    """The figures a sentence gives (not its years), compared as ``_row_figures``."""
    return {number_key(n.lstrip("-")) for n in numbers_in(text) if not _YEAR.fullmatch(n)}


def _source(document: str, section: str, pages: str, text: str, score: float) -> dict[str, Any]:
    return {"document": document, "section": section, "pages": pages, "text": text, "score": score}


def _next_sentence(option: Option) -> str | None:
    """The sentence after a candidate in its passage; None for a table row or a last one."""
    if option.passage is None:
        return None
    sentences = option.passage.sentences()
    return sentences[option.index + 1] if option.index + 1 < len(sentences) else None


def _with_before(c: Candidate) -> set[str]:
    """Stems of a candidate sentence and of the sentence before it in its passage ("... six
    amnesty bins. At a total cost of ...": the cost is the bins')."""
    before = c.passage.sentences()[c.index - 1] if c.index > 0 else ""
    return stems(f"{before} {c.text}")


def _share_named(question: Question, sentence: str) -> float:
    """Share of the question's key terms that the sentence names."""
    named = stems(sentence)
    groups = question.term_stems()
    return sum(1 for g in groups if g & named) / len(groups) if groups else 0.0


def _earlier(history: Sequence[Answer | dict]) -> list[Answer]:
    """Earlier answers that can give context (not refusals or safety messages)."""
    out = []
    for item in history:
        try:
            answer = as_answer(item)
        except (TypeError, KeyError, ValueError):
            continue
        if answer.kind in ("answer", "statistic"):
            out.append(answer)
    return out


def _part_of_total(question: str, label: str) -> bool:
    """Whether the question asks about a part of what a line totals: another word before the
    noun the line counts all of ("knife crime" against "Number of all crime offences")."""
    for m in _TOTAL_OF.finditer(label):
        noun = m.group(2).lower()
        before = re.findall(rf"\b([a-z]+)[\s-]+{re.escape(noun)}\b", question.lower())
        if any(word not in _NOT_A_PART for word in before):
            return True
    return False
