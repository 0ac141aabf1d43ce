"""The words Coach says when the screen fires. Texts live in the rules YAML; this joins them."""

from __future__ import annotations

from coach.safety._models import Resource, SafetyResponse, SafetyVerdict
from coach.safety._resources import KINDS_FOR_CATEGORY
from coach.safety._rules import ResponsesSpec


def _describe(resources: list[Resource]) -> str:
    parts = [f"{r.name} ({r.contact})" for r in resources]
    if not parts:
        return "a local helpline (findahelpline.com lists them by country)"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _category_lines(verdict: SafetyVerdict, bank: dict[str, str], emergency: str) -> list[str]:
    """One paragraph per category the screen named, with the lines that fit it."""
    lines = []
    for category in verdict.categories:
        kinds = KINDS_FOR_CATEGORY.get(category, ())
        fitting = [r for r in verdict.resources if r.kind in kinds]
        if not fitting:
            fitting = [r for r in verdict.resources if r.kind == "directory"]
        template = bank.get(category)
        if template:
            lines.append(template.format(lines=_describe(fitting[:2]), emergency=emergency))
    return lines


def build_response(verdict: SafetyVerdict, texts: ResponsesSpec) -> SafetyResponse:
    if verdict.level == "none":
        return SafetyResponse(level="none", message="")
    bank = texts.urgent if verdict.level == "urgent" else texts.caution
    emergency = [r for r in verdict.resources if r.kind == "emergency"]
    emergency_text = (
        emergency[0].contact.removeprefix("Call ").strip() if emergency else "emergency services"
    )
    lines = [bank["opening"]]
    if verdict.level == "urgent":
        lines.append(bank["safety_question"].format(emergency=emergency_text))
    lines += _category_lines(verdict, bank, emergency_text)
    abuse = bool({"abuse", "child_safety"} & set(verdict.categories))
    device_warning = texts.urgent["device_warning"] if abuse else None
    if verdict.level == "urgent" and device_warning:
        lines.append(device_warning)
    lines.append(bank["closing"])
    return SafetyResponse(
        level=verdict.level,
        message="\n\n".join(lines),
        resources=verdict.resources,
        ask_about_safety=verdict.level == "urgent",
        device_warning=device_warning,
        allow_coaching=verdict.level != "urgent",
        allow_partner_contact=not abuse and verdict.level != "urgent",
        allow_llm=verdict.level != "urgent",
    )
