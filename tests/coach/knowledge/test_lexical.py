"""The word-overlap reading blended into the embedding search."""

from __future__ import annotations

from coach.knowledge.lexical import LexicalIndex, fuse


def test_exact_words_score_and_unrelated_text_does_not() -> None:
    index = LexicalIndex(
        [("money", "Talking about money and payday"), ("chores", "Sharing the housework")]
    )
    scores = index.scores("we fight every payday about money")
    assert scores["money"] == 1.0
    assert "chores" not in scores


def test_the_embedding_decides_and_words_break_near_ties() -> None:
    similarity = {"a": 0.61, "b": 0.60, "c": 0.20}
    assert fuse(similarity, {}, 0.1) == ["a", "b", "c"]
    assert fuse(similarity, {"b": 1.0}, 0.1) == ["b", "a", "c"]
    assert fuse(similarity, {"c": 1.0}, 0.1)[-1] == "c"
