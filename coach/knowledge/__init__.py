"""The curated guidance in ``knowledge/``: loaded and validated (``corpus``), and searched
by meaning over a Chroma index (``retrieval``), always with what a citation needs.
"""
