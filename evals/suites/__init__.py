"""Each module here defines ``SUITE``; the runner finds them all."""
