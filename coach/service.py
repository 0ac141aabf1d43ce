"""One facade per job: the only thing the CLI and the API call.

Every method follows the same one-way flow:

    input checks -> safety.screen -> analysis / stages -> retrieval -> composition

and an urgent safety verdict stops the flow right after the screen: the result
then carries the safety response and nothing else (no coaching, no draft, no
exercise, and no model call).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, Field

from coach import log_privacy, safety
from coach.config import Settings
from coach.drafts.analysis import DraftAnalysis, analyze
from coach.drafts.builder import IStatementDraft, build_i_statement
from coach.drafts.rewrite import Rewrite, rewrite
from coach.drafts.wording import Wording, wording
from coach.exercises.choose import Constraints, ExerciseCard, choose
from coach.inputs import check_text
from coach.knowledge.corpus import KnowledgeBase, Source, get_knowledge
from coach.knowledge.retrieval import KnowledgeIndex, get_index
from coach.llm.protocol import ChatModel
from coach.practice import session
from coach.practice.export import export_session
from coach.practice.models import (
    HintResult,
    PracticeSession,
    PracticeStart,
    PracticeSummary,
    SessionListItem,
    TurnResult,
    UndoResult,
)
from coach.safety import SafetyResponse, SafetyVerdict
from coach.stages.classify import StageGuess, classify
from coach.stages.model import get_stage
from coach.storage.repository import LOCAL_USER, ExerciseEntry, SavedDraft, Store, memory_store

Status = Literal["ok", "safety"]

DECISION_REMINDER = (
    "These are suggestions. You know your relationship: you decide what, and whether, to send."
)


class Citation(BaseModel):
    """A guidance passage a piece of advice rests on."""

    passage_id: str
    title: str
    section: str | None = None
    sources: list[Source]


class Guarded(BaseModel):
    """Fields every job result shares: the screen's verdict and, when urgent, the response."""

    status: Status = "ok"
    engine: str = "offline"
    safety: SafetyVerdict
    safety_response: SafetyResponse | None = None


class CitedFinding(BaseModel):
    kind: str
    marker: str
    start: int
    end: int
    text: str
    explanation: str
    suggestion: str
    citation: Citation | None


class DraftResult(Guarded):
    """What Coach says about a draft message."""

    text: str | None = None
    blame: bool | None = None
    heat: int | None = None
    findings: list[CitedFinding] = Field(default_factory=list)
    i_statement: IStatementDraft | None = None
    rewrites: list[Rewrite] = Field(default_factory=list)
    reminder: str | None = None


class ExerciseRequest(BaseModel):
    description: str
    stage: str | None = None
    who: Literal["solo", "together"] | None = None
    minutes: int | None = Field(default=None, ge=1, le=600)


class ExerciseResult(Guarded):
    stage: str | None = None
    stage_name: str | None = None
    stage_source: Literal["explicit", "classified"] | None = None
    stage_guess: StageGuess | None = None
    clarifying_question: str | None = None
    exercise: ExerciseCard | None = None
    why: list[str] = Field(default_factory=list)
    alternatives: list[ExerciseCard] = Field(default_factory=list)
    relaxed: list[str] = Field(default_factory=list)
    support_note: str | None = None
    citations: list[Citation] = Field(default_factory=list)


class Coach:
    """Wires the domain pieces for one configuration. Cheap to build; parts load on use."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        index: KnowledgeIndex | None = None,
        chat_model: ChatModel | None = None,
    ) -> None:
        self.settings = settings
        # Both surfaces build a Coach first: from here on no library logs people's words.
        log_privacy.install()
        if store is not None:
            self.__dict__["store"] = store
        if index is not None:
            self.__dict__["index"] = index
        if chat_model is not None:
            self.__dict__["chat_model"] = chat_model

    @cached_property
    def chat_model(self) -> ChatModel | None:
        """The configured model, or None offline (or when it cannot be built: offline then)."""
        if not self.settings.llm_enabled:
            return None
        from coach.errors import CoachError
        from coach.llm import build_chat_model

        try:
            return build_chat_model(self.settings)
        except CoachError:
            return None

    @cached_property
    def store(self) -> Store:
        settings = self.settings
        store = memory_store() if settings.dont_save else Store(settings.effective_database_url)
        # With COACH_RETENTION_DAYS the first use purges old rows, then at most hourly.
        store.set_retention(settings.retention_days)
        return store

    @cached_property
    def index(self) -> KnowledgeIndex:
        return get_index(self.settings)

    @property
    def knowledge(self) -> KnowledgeBase:
        return get_knowledge(self.settings.knowledge_dir)

    @cached_property
    def words(self) -> Wording:
        """The draft rules and lexicons of this configuration's knowledge folder."""
        return wording(self.settings.knowledge_dir)

    @cached_property
    def crisis_lines(self) -> safety.Directory:
        """The crisis lines of this configuration's knowledge folder."""
        return safety.directory_for(self.settings.knowledge_dir)

    # -- shared steps ---------------------------------------------------------------

    def _screen(self, text: str, locale: str | None) -> tuple[SafetyVerdict, SafetyResponse | None]:
        verdict = safety.screen(text, locale or self.settings.locale, directory=self.crisis_lines)
        response = safety.safety_response(verdict) if verdict.level != "none" else None
        return verdict, response

    def cite(self, passage_id: str) -> Citation | None:
        """The citation for ``doc-id`` or ``doc-id#section-slug``; None if it does not exist."""
        doc = self.knowledge.get(passage_id)
        if doc is None:
            return None
        section = None
        if "#" in passage_id:
            slug = passage_id.split("#", 1)[1]
            passage = self.knowledge.passage_map.get(passage_id)
            section = passage.section if passage else slug.replace("-", " ").capitalize()
        return Citation(
            passage_id=passage_id, title=doc.title, section=section, sources=doc.sources
        )

    # -- job 1: drafts ---------------------------------------------------------------

    def analyze_draft(self, text: str, *, locale: str | None = None) -> DraftResult:
        """Point at the words that will land badly, and why."""
        return self._analyzed(text, locale)[0]

    def _analyzed(self, text: str, locale: str | None) -> tuple[DraftResult, DraftAnalysis | None]:
        """The draft result and the analysis behind it (None when the screen stopped us)."""
        check_text(text, max_chars=self.settings.max_text_chars)
        verdict, response = self._screen(text, locale)
        if verdict.level == "urgent":
            return DraftResult(status="safety", safety=verdict, safety_response=response), None
        analysis = analyze(text, rules=self.words.rules)
        result = DraftResult(
            safety=verdict,
            safety_response=response,
            text=text,
            blame=analysis.blame,
            heat=analysis.heat,
            findings=self._cited(analysis),
            reminder=DECISION_REMINDER,
        )
        return result, analysis

    def rewrite_draft(
        self, text: str, *, locale: str | None = None, use_llm: bool = True
    ) -> DraftResult:
        """The analysis plus an I-statement scaffold and two or three rewrites.

        ``use_llm=False`` keeps the offline rewrites even when a model is configured
        (the streaming route asks the model itself).
        """
        result, analysis = self._analyzed(text, locale)
        if analysis is None:
            return result
        result.i_statement = build_i_statement(text, analysis, words=self.words)
        result.rewrites = rewrite(text, analysis, words=self.words)
        if use_llm and self.settings.llm_enabled:
            self._rewrite_with_model(result, analysis, locale)
        return result

    def _rewrite_with_model(
        self, result: DraftResult, analysis: DraftAnalysis, locale: str | None
    ) -> None:
        """Richer rewrites from the model, checked like ours; ours stay if it fails."""
        if self.chat_model is None:
            result.engine = "offline-fallback"
            return
        from coach.llm import rewrite_with_llm

        text = result.text or ""
        passages = self.index.search(text, k=4, kind="technique")
        answer = rewrite_with_llm(
            self.chat_model,
            self.settings,
            text,
            analysis,
            passages,
            result.rewrites,
            locale=locale,
            safety_context=result.safety,
        )
        result.rewrites = answer.value
        result.engine = answer.engine

    def save_draft(self, result: DraftResult, *, user_id: str = LOCAL_USER) -> str | None:
        """Keep a checked draft in history (only when the person asks). Never urgent ones."""
        if result.status == "safety" or result.text is None:
            return None
        return self.store.save_draft(
            user_id=user_id, text=result.text, result=result.model_dump(mode="json")
        )

    def _cited(self, analysis: DraftAnalysis) -> list[CitedFinding]:
        return [
            CitedFinding(
                kind=f.kind,
                marker=f.marker,
                start=f.start,
                end=f.end,
                text=f.text,
                explanation=f.explanation,
                suggestion=f.suggestion,
                citation=self.cite(f.guidance_id) if f.guidance_id else None,
            )
            for f in analysis.findings
        ]

    # -- job 2: exercises ------------------------------------------------------------

    def recommend_exercise(
        self, request: ExerciseRequest, *, user_id: str = LOCAL_USER, locale: str | None = None
    ) -> ExerciseResult:
        """One fitting exercise and two alternatives, different from what was given before."""
        check_text(request.description, max_chars=self.settings.max_text_chars, what="description")
        verdict, response = self._screen(request.description, locale)
        if verdict.level == "urgent":
            return ExerciseResult(status="safety", safety=verdict, safety_response=response)

        guess = classify(request.description)
        if request.stage:
            stage_id, source = get_stage(request.stage).id, "explicit"
        else:
            stage_id, source = guess.stage, "classified"
        stage = get_stage(stage_id)
        constraints = Constraints(
            who=request.who,
            minutes=request.minutes,
            exclude_partner_contact=verdict.level == "caution",
        )
        similarity = {
            hit.doc_id: hit.score
            for hit in self.index.search(request.description, k=60, kind="exercise")
        }
        recent = self.store.recent_exercise_ids(user_id=user_id)
        choice = choose(
            self.knowledge,
            stage=stage_id,
            constraints=constraints,
            similarity=similarity,
            recent=recent,
        )
        result = ExerciseResult(
            safety=verdict,
            safety_response=response,
            stage=stage_id,
            stage_name=stage.name,
            stage_source=source,
            stage_guess=guess,
            clarifying_question=(
                guess.clarifying_question
                if source == "classified" and guess.needs_clarification
                else None
            ),
        )
        if verdict.level == "caution":
            result.support_note = (
                "Some of what you wrote suggests things may not feel safe or equal right now. "
                "These suggestions are for you alone; nothing here asks you to confront your "
                "partner. Talking with a counsellor or advocate can help."
            )
        if choice is None:
            return result
        self.store.record_recommendation(
            user_id=user_id, exercise_id=choice.exercise.id, stage=stage_id
        )
        result.exercise = choice.exercise
        result.alternatives = choice.alternatives
        result.relaxed = choice.relaxed
        result.why = self._why(choice.exercise, stage_id, guess, source, request)
        if self.settings.llm_enabled:
            self._personalise_with_model(result, request, verdict, locale)
        result.citations = [
            c
            for c in (self.cite(choice.exercise.id), self.cite(f"stage-{stage_id}"))
            if c is not None
        ]
        return result

    def _personalise_with_model(
        self,
        result: ExerciseResult,
        request: ExerciseRequest,
        verdict: SafetyVerdict,
        locale: str | None,
    ) -> None:
        """Say why the exercise fits in the person's terms; the steps stay the guidance's."""
        if self.chat_model is None or result.exercise is None:
            result.engine = "offline-fallback"
            return
        from coach.llm import personalise_exercise

        answer = personalise_exercise(
            self.chat_model,
            self.settings,
            request.description,
            result.exercise,
            result.why,
            locale=locale,
            safety_context=verdict,
        )
        result.why = answer.value
        result.engine = answer.engine

    def _why(
        self,
        card: ExerciseCard,
        stage_id: str,
        guess: StageGuess,
        source: str,
        request: ExerciseRequest,
    ) -> list[str]:
        stage = get_stage(stage_id)
        reasons = []
        if source == "explicit":
            reasons.append(f"You asked for the '{stage.name}' stage: {stage.description}")
        else:
            cues = ", ".join(f'"{c.text}"' for c in guess.cues[:3])
            said = f" (you mentioned {cues})" if cues else ""
            reasons.append(f"What you wrote sounds like '{stage.name}'{said}: {stage.description}")
        if stage_id in card.stages:
            reasons.append(f"{card.title}: {card.summary}")
        else:
            reasons.append(
                f"{card.title} comes from another stage because nothing tagged "
                f"'{stage.name}' fit your other choices: {card.summary}"
            )
        together = "on your own" if card.who == "solo" else "together"
        fit = [f"{card.duration_minutes} minutes", together]
        if request.minutes and card.duration_minutes <= request.minutes:
            fit[0] += f" (within your {request.minutes})"
        reasons.append("It takes about " + " and is done ".join(fit) + ".")
        return reasons

    def mark_exercise_done(
        self, exercise_id: str, *, reflection: str | None = None, user_id: str = LOCAL_USER
    ) -> ExerciseEntry:
        from coach.errors import NotFoundError

        if self.knowledge.get(exercise_id) is None or "#" in exercise_id:
            raise NotFoundError(f"There is no exercise called {exercise_id!r}.")
        if reflection is not None:
            if reflection.strip():
                check_text(reflection, max_chars=self.settings.max_text_chars, what="reflection")
            else:
                reflection = None
        return self.store.mark_exercise_done(
            user_id=user_id, exercise_id=exercise_id, reflection=reflection
        )

    def exercise_history(self, *, user_id: str = LOCAL_USER) -> list[ExerciseEntry]:
        return self.store.exercise_history(user_id=user_id)

    # -- everything one person has stored -------------------------------------------

    def saved_drafts(self, *, user_id: str = LOCAL_USER) -> list[SavedDraft]:
        """The drafts this person chose to keep, newest first."""
        return self.store.list_drafts(user_id=user_id)

    def export_user_data(self, *, user_id: str = LOCAL_USER) -> dict[str, Any]:
        """Everything stored for one person (drafts, exercises, practice), JSON-ready."""
        data = self.store.export_user(user_id=user_id)
        data.update(session.export_practice(self.store, user_id=user_id))
        return data

    def delete_user_data(self, *, user_id: str = LOCAL_USER) -> dict[str, int]:
        """Delete every row that belongs to one person; counts per kind of data."""
        # Practice rows first: they hang off the user row the second call removes.
        counts = session.delete_practice(self.store, user_id=user_id)
        counts.update(self.store.delete_user_data(user_id=user_id))
        return counts

    def purge_expired(self, *, days: int | None = None) -> dict[str, int]:
        """Delete everyone's stored rows older than ``days`` (default COACH_RETENTION_DAYS)."""
        from datetime import UTC, datetime, timedelta

        from coach.errors import ConfigError, InputError

        days = days if days is not None else self.settings.retention_days
        if days is None:
            raise ConfigError(
                "No retention period is set, so there is nothing to purge.",
                hint="Set COACH_RETENTION_DAYS, or pass --days N.",
            )
        if days < 1:
            raise InputError("The retention period must be at least one day.")
        return self.store.purge_before(cutoff=datetime.now(UTC) - timedelta(days=days))

    def list_exercises(self, *, stage: str | None = None) -> list[ExerciseCard]:
        if stage is not None:
            get_stage(stage)  # unknown stage -> clear error
        return [ExerciseCard.from_document(doc) for doc in self.knowledge.exercises(stage)]

    # -- job 3: practice -------------------------------------------------------------

    def start_practice(
        self,
        *,
        scenario: str,
        goal: str,
        persona: str,
        user_id: str = LOCAL_USER,
        seed: int | None = None,
        locale: str | None = None,
    ) -> PracticeStart:
        """Open a session, or the safety response when the scenario describes harm."""
        return session.start_practice(
            self.store,
            self.settings,
            scenario=scenario,
            goal=goal,
            persona=persona,
            user_id=user_id,
            seed=seed,
            locale=locale,
        )

    def take_practice_turn(
        self, session_id: str, text: str, *, user_id: str = LOCAL_USER, locale: str | None = None
    ) -> TurnResult:
        """Feedback on one turn and the simulated partner's reply, or the safety response."""
        return session.take_turn(
            self.store,
            self.settings,
            session_id=session_id,
            text=text,
            user_id=user_id,
            locale=locale,
            chat_model=self.chat_model,
        )

    def practice_hint(self, session_id: str, *, user_id: str = LOCAL_USER) -> HintResult:
        """A suggested next move for an active session."""
        return session.hint(self.store, session_id=session_id, user_id=user_id)

    def undo_practice_turn(self, session_id: str, *, user_id: str = LOCAL_USER) -> UndoResult:
        """Take back the last turn; the partner's state is restored."""
        return session.undo(self.store, session_id=session_id, user_id=user_id)

    def end_practice(self, session_id: str, *, user_id: str = LOCAL_USER) -> PracticeSummary:
        """Finish a session and score it (ending twice gives the same summary)."""
        return session.end(self.store, self.knowledge, session_id=session_id, user_id=user_id)

    def practice_session(self, session_id: str, *, user_id: str = LOCAL_USER) -> PracticeSession:
        """One session with all its turns."""
        return session.get_session(self.store, session_id=session_id, user_id=user_id)

    def practice_sessions(self, *, user_id: str = LOCAL_USER) -> list[SessionListItem]:
        """This person's sessions, newest first."""
        return session.list_sessions(self.store, user_id=user_id)

    def delete_practice_session(self, session_id: str, *, user_id: str = LOCAL_USER) -> None:
        """Really delete one session and its turns."""
        session.delete_session(self.store, session_id=session_id, user_id=user_id)

    def export_practice_session(
        self,
        session_id: str,
        *,
        user_id: str = LOCAL_USER,
        fmt: Literal["json", "markdown"] = "json",
    ) -> str:
        """One session as JSON or as a Markdown transcript with the feedback."""
        return export_session(self.store, session_id=session_id, user_id=user_id, fmt=fmt)
