"""One router module per job."""
