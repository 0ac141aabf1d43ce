"""Coach's web surface: a FastAPI app over the domain core in ``coach``."""
