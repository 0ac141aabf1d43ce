"""Citations: the guidance passage a piece of advice rests on, as a surface shows it."""

from __future__ import annotations

from pydantic import BaseModel

from coach.knowledge.corpus import KnowledgeBase, Source


class Citation(BaseModel):
    """A guidance passage a piece of advice rests on."""

    passage_id: str
    title: str
    section: str | None = None
    sources: list[Source]


def cite(knowledge: KnowledgeBase, passage_id: str) -> Citation | None:
    """The citation for ``doc-id`` or ``doc-id#section-slug``; None if it does not exist."""
    doc = knowledge.get(passage_id)
    if doc is None:
        return None
    section = None
    if "#" in passage_id:
        slug = passage_id.split("#", 1)[1]
        passage = knowledge.passage_map.get(passage_id)
        section = passage.section if passage else slug.replace("-", " ").capitalize()
    return Citation(passage_id=passage_id, title=doc.title, section=section, sources=doc.sources)


__all__ = ["Citation", "cite"]
