"""Job 1: check a message before it is sent, and help turn it into an "I" statement.

    lexicon   feelings and needs (knowledge/lexicon/)
    rules     the draft rules, compiled      semantic  the meaning-based second reading
    analysis  analyze(): spans, kinds, heat  wording   rewrite settings, request phrasing
    lint      does a version work?           reading   what a draft says (topic, need, ask)
    rewrite   the offline rewriter           builder   the guided four-part builder

Imports point down this list; the LLM guards use ``lint``, never the rewriter.
"""
