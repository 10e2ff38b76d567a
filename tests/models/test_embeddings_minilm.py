"""MiniLM in numpy: batching by length changes no vector, and the weights are a read-only file mapping."""

import numpy as np

from runtime.embeddings import MiniLM, shared_minilm

SHORT = ["I led the migration", "We measured first", "Situation", "The result was a faster release"]
LONG = " ".join(["When two teams disagree I write down the trade offs and the data behind them"] * 30)


def test_vectors_do_not_depend_on_what_they_are_batched_with():
    model = shared_minilm()
    texts = [LONG, *SHORT * 10, "", LONG[:200]]
    together = model.encode(texts, batch=8, batch_tokens=256)
    alone = np.stack([model.encode([t])[0] for t in texts])
    assert together.shape == (len(texts), 384)
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # Same text, same vector, whatever its neighbours: the order of the input is kept.
    assert np.allclose(together[1], together[5]) and not np.allclose(together[0], together[1])


def test_weights_are_mapped_from_the_package_not_copied():
    model = MiniLM()
    table = model.w["embeddings.word_embeddings.weight"]
    assert table.dtype == np.float32 and not table.flags.writeable
    assert model.encode([]).shape == (0, 384)
