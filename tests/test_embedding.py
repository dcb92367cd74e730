"""The embedder runs the bundled model with transformers directly: its vectors must be the
ones sentence-transformers gives for the same model folder (the index was built with them)."""

from __future__ import annotations

import numpy as np

from assistant.embedding import get_embedder
from assistant.settings import Settings


def test_vectors_match_sentence_transformers() -> None:
    from sentence_transformers import SentenceTransformer

    model_dir = Settings().resolved_model_dir()
    texts = [
        "How many police officers are there?",
        "my husband hit me last night",
        "word " * 400,  # longer than the model's limit: cut the same way
    ]
    ours = get_embedder(model_dir).matrix(texts)
    theirs = SentenceTransformer(str(model_dir), device="cpu").encode(
        texts, normalize_embeddings=True
    )
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < 1e-5
    one = np.asarray(get_embedder(model_dir).query(texts[0]))
    assert np.abs(one - theirs[0]).max() < 1e-5
