"""Job 2: one fitting exercise for where someone is, with two alternatives (``choose``)."""
