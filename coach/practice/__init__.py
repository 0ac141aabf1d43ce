"""Job 3: practise a reconciliation conversation with a simulated partner.

    rules     the data files (personas, move cues, scoring), validated
    models    what practice returns
    feedback  moves found and worth trying in a turn; the end-of-session summary
    listening what a turn says: the act (apology, proposal, break, question...) and its words
    lines     the partner's answer to that act, in the person's own terms
    partner   the partner's state machine and lines (or a model's, screened)
    session   open, turn, hint, undo, end, list, delete, stored through coach.storage
    export    JSON or a Markdown transcript

The person sets a scenario and goal and picks a partner style; Coach plays that
partner, always labelled as a simulation.
"""
