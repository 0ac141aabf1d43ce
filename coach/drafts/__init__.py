"""Job 1: check a message before it is sent, and help turn it into an "I" statement.

    lexicon   feelings and needs (knowledge/lexicon/)
    rules     the draft rules, compiled      semantic  the meaning-based reading (off)
    analysis  analyze(): spans, kinds, heat  wording   stopwords and request cues, compiled
    facts     what a rewrite must keep       grammar   the slips an editing rewriter can make
    words     verbs and clause tools         spans     clean cuts, and what to leave out
    edits     one flagged sentence edited    pieces    the draft read as pieces to keep or edit
    options   keep the apology, shorter...   render    one style from the pieces
    compose   the plan: verdict, checked     lint      does a version work?
    rewrite   what the surfaces show         builder   the guided four-part builder

Imports point down this list; the LLM guards use ``lint``, never the rewriter.
"""
