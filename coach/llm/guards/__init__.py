"""Checks on model-written text, one module per task; see :mod:`coach.llm.guards.common`."""

from coach.llm.guards.common import (
    STYLES,
    GuardConfig,
    MalformedOutputError,
    Outcome,
    Problem,
    drop_marker_lines,
    echo_problems,
    extract_json,
    load_guards,
    unsafe_text,
)
from coach.llm.guards.exercise import check_reasons, parse_reasons
from coach.llm.guards.partner import check_partner_reply, clean_partner_reply
from coach.llm.guards.rewrite import RawRewrite, check_rewrite, parse_rewrites

__all__ = [
    "STYLES",
    "GuardConfig",
    "MalformedOutputError",
    "Outcome",
    "Problem",
    "RawRewrite",
    "check_partner_reply",
    "check_reasons",
    "check_rewrite",
    "clean_partner_reply",
    "drop_marker_lines",
    "echo_problems",
    "extract_json",
    "load_guards",
    "parse_reasons",
    "parse_rewrites",
    "unsafe_text",
]
