"""One router module per job; each defines ``router`` and ``api.app`` includes them all."""
