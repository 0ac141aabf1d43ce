"""The one facade: drafts, exercises, practice and people's data. Surfaces call nothing else.

A :class:`Coach` holds one configuration (its settings, the chat model when one is
configured, the store, the search index) and hands each part what it needs. Every
job runs the same way (:mod:`coach.pipeline`):

    input rails (check the text, safety.screen) -> the job -> output rails

and a stopping verdict ends the job right after the screen: the result then carries
the safety response and nothing else (no coaching, no draft, no exercise, and no
model call). The jobs' own steps live in their rooms: :mod:`coach.drafts.job`,
:mod:`coach.exercises.job`, :mod:`coach.practice.session`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

from coach import doctor, log_privacy, safety
from coach.__about__ import __version__
from coach.config import Settings
from coach.doctor import Finding
from coach.drafts import job as drafts
from coach.drafts.job import DraftResult, IStatementResult, RewriteOptions
from coach.drafts.stream import RewriteStream, StreamStep
from coach.drafts.wording import Wording, wording
from coach.errors import CoachError, ConfigError, InputError, NotFoundError, RetrievalIndexError
from coach.exercises import job as exercises
from coach.exercises.choose import ExerciseCard
from coach.exercises.job import ExerciseRequest, ExerciseResult
from coach.knowledge.citations import Citation
from coach.knowledge.corpus import KnowledgeBase, get_knowledge
from coach.knowledge.retrieval import KnowledgeIndex, SearchHit, get_index
from coach.llm.protocol import ChatModel
from coach.llm.provider import build_chat_model
from coach.pipeline import Rails
from coach.practice.models import (
    HintResult,
    PracticeSession,
    PracticeStart,
    PracticeSummary,
    SessionListItem,
    TurnResult,
    UndoResult,
)
from coach.practice.rules import load_rules as load_practice_rules
from coach.safety import Resource, SafetyResponse, SafetyVerdict
from coach.service_models import CoachStatus, CrisisLines, PartnerStyle, Screening
from coach.stages.classify import classify
from coach.stages.model import Stage, get_stage, list_stages
from coach.storage.records import LOCAL_USER, ExerciseEntry, SavedDraft

# The database code (SQLAlchemy) loads when something is first stored or read, not
# when a draft is checked or a message screened: see :attr:`Coach.store`.
if TYPE_CHECKING:
    from coach.storage.repository import Store

# How many technique passages ground a streamed rewrite (small models, small contexts).
STREAM_PASSAGES = 3


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

    # -- what the jobs are handed ------------------------------------------------------

    @cached_property
    def chat_model(self) -> ChatModel | None:
        """The configured model, or None offline (or when it cannot be built: offline then)."""
        if not self.settings.llm_enabled:
            return None
        try:
            return build_chat_model(self.settings)
        except CoachError:
            return None

    @cached_property
    def store(self) -> Store:
        from coach.storage.repository import Store, memory_store

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
    def crisis_directory(self) -> safety.Directory:
        """The crisis lines of this configuration's knowledge folder."""
        return safety.directory_for(self.settings.knowledge_dir)

    @cached_property
    def rails(self) -> Rails:
        """The input and output rails every job runs through."""
        return Rails(self.settings, self.crisis_directory)

    @property
    def _model(self) -> ChatModel | None:
        """The model a job may use: none unless one is configured."""
        return self.chat_model if self.settings.llm_enabled else None

    # -- job 1: drafts -------------------------------------------------------------------

    def analyze_draft(self, text: str, *, locale: str | None = None) -> DraftResult:
        """Point at the words that will land badly, and why."""
        return drafts.analyzed(self.rails, self.words, self.knowledge, text, locale)[0]

    def rewrite_draft(
        self,
        text: str,
        *,
        locale: str | None = None,
        use_llm: bool = True,
        options: RewriteOptions | None = None,
    ) -> DraftResult:
        """The analysis, a verdict (good to send, rewritten, not built) and the versions.

        ``options``: keep the apology, shorter, softer. ``use_llm=False`` keeps the offline
        rewrites even with a model (a page that streams asks for them separately)."""
        result, analysis = drafts.analyzed(self.rails, self.words, self.knowledge, text, locale)
        if analysis is None:
            return result
        drafts.add_rewrites(result, analysis, self.words, options)
        if use_llm and self.settings.llm_enabled and result.verdict != "good_to_send":
            model = self.chat_model
            if model is None:
                result.engine = "offline-fallback"
                return result
            drafts.rewrite_with_model(
                result,
                analysis,
                model=model,
                settings=self.settings,
                passages=self.index.search(text, k=4, kind="technique"),
                locale=locale,
            )
        return result

    def rewrite_draft_stream(
        self, text: str, *, locale: str | None = None, options: RewriteOptions | None = None
    ) -> RewriteStream:
        """The checked draft with offline rewrites now, the model's to stream (``steps()``)."""
        result, analysis = drafts.analyzed(self.rails, self.words, self.knowledge, text, locale)
        if analysis is not None:
            drafts.add_rewrites(result, analysis, self.words, options)
        needs_change = analysis is not None and result.verdict != "good_to_send"
        model = self._model if needs_change else None
        return RewriteStream(
            result=result,
            analysis=analysis,
            rails=self.rails,
            settings=self.settings,
            model=model,
            passages=self.technique_passages(text) if model is not None else [],
            locale=locale,
        )

    def technique_passages(self, text: str, k: int = STREAM_PASSAGES) -> list[SearchHit]:
        """Technique guidance for a streamed rewrite; none when the index is unavailable."""
        try:
            return self.index.search(text, k=k, kind="technique")
        except RetrievalIndexError:
            return []  # the model can still work from the analysis alone

    def compose_i_statement(
        self,
        *,
        observation: str,
        feeling: str,
        need: str = "",
        request: str = "",
        locale: str | None = None,
    ) -> IStatementResult:
        """The builder's four parts as one linted sentence; screened like any input."""
        parts = {"observation": observation, "feeling": feeling, "need": need, "request": request}
        return drafts.compose(self.rails, self.words, parts, locale)

    def feeling_words(self) -> list[str]:
        """Every feeling word the builder offers, sorted."""
        return sorted(self.words.feelings.all_words())

    def save_draft(self, result: DraftResult, *, user_id: str = LOCAL_USER) -> str | None:
        """Keep a checked draft in history (only when the person asks). Never urgent ones."""
        if result.status == "safety" or result.text is None:
            return None
        return self.store.save_draft(
            user_id=user_id, text=result.text, result=result.model_dump(mode="json")
        )

    def saved_drafts(self, *, user_id: str = LOCAL_USER) -> list[SavedDraft]:
        """The drafts this person chose to keep, newest first."""
        return self.store.list_drafts(user_id=user_id)

    # -- job 2: exercises ----------------------------------------------------------------

    def stages(self) -> list[Stage]:
        """The stages of starting over, in their usual order."""
        return list_stages()

    def stage(self, stage_id: str) -> Stage:
        """One stage; :class:`NotFoundError` names the valid ids otherwise."""
        return get_stage(stage_id)

    def recommend_exercise(
        self, request: ExerciseRequest, *, user_id: str = LOCAL_USER, locale: str | None = None
    ) -> ExerciseResult:
        """One fitting exercise and two alternatives, different from what was given before."""
        result, choice = exercises.recommend(
            request,
            rails=self.rails,
            knowledge=self.knowledge,
            index=self.index,
            store=self.store,
            user_id=user_id,
            locale=locale,
        )
        if choice is None:
            return result
        if self.settings.llm_enabled:
            exercises.personalise(
                result, request, model=self.chat_model, settings=self.settings, locale=locale
            )
        exercises.add_citations(result, self.knowledge)
        return result

    def mark_exercise_done(
        self, exercise_id: str, *, reflection: str | None = None, user_id: str = LOCAL_USER
    ) -> ExerciseEntry:
        """Record that an exercise was done, with an optional short reflection."""
        if self.knowledge.get(exercise_id) is None or "#" in exercise_id:
            raise NotFoundError(f"There is no exercise called {exercise_id!r}.")
        if reflection is not None:
            if reflection.strip():
                self.rails.check(reflection, what="reflection")
            else:
                reflection = None
        return self.store.mark_exercise_done(
            user_id=user_id, exercise_id=exercise_id, reflection=reflection
        )

    def exercise_history(self, *, user_id: str = LOCAL_USER) -> list[ExerciseEntry]:
        return self.store.exercise_history(user_id=user_id)

    def list_exercises(self, *, stage: str | None = None) -> list[ExerciseCard]:
        if stage is not None:
            get_stage(stage)  # unknown stage -> clear error
        return [ExerciseCard.from_document(doc) for doc in self.knowledge.exercises(stage)]

    # -- job 3: practice -----------------------------------------------------------------

    def partner_styles(self) -> list[PartnerStyle]:
        """The practice partner styles, in the order people are offered them."""
        rules = load_practice_rules().personas
        return [
            PartnerStyle(id=key, name=spec.name, description=spec.description)
            for key, spec in rules.personas.items()
        ]

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
        return _practice().start_practice(
            self.store,
            self.rails,
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
        return _practice().take_turn(
            self.store,
            self.rails,
            session_id=session_id,
            text=text,
            user_id=user_id,
            locale=locale,
            chat_model=self.chat_model,
        )

    def practice_hint(self, session_id: str, *, user_id: str = LOCAL_USER) -> HintResult:
        """A suggested next move for an active session."""
        return _practice().hint(self.store, session_id=session_id, user_id=user_id)

    def undo_practice_turn(self, session_id: str, *, user_id: str = LOCAL_USER) -> UndoResult:
        """Take back the last turn; the partner's state is restored."""
        return _practice().undo(self.store, session_id=session_id, user_id=user_id)

    def end_practice(self, session_id: str, *, user_id: str = LOCAL_USER) -> PracticeSummary:
        """Finish a session and score it (ending twice gives the same summary)."""
        return _practice().end(self.store, self.knowledge, session_id=session_id, user_id=user_id)

    def practice_session(self, session_id: str, *, user_id: str = LOCAL_USER) -> PracticeSession:
        """One session with all its turns."""
        return _practice().get_session(self.store, session_id=session_id, user_id=user_id)

    def practice_sessions(self, *, user_id: str = LOCAL_USER) -> list[SessionListItem]:
        """This person's sessions, newest first."""
        return _practice().list_sessions(self.store, user_id=user_id)

    def delete_practice_session(self, session_id: str, *, user_id: str = LOCAL_USER) -> None:
        """Really delete one session and its turns."""
        _practice().delete_session(self.store, session_id=session_id, user_id=user_id)

    def export_practice_session(
        self,
        session_id: str,
        *,
        user_id: str = LOCAL_USER,
        fmt: Literal["json", "markdown"] = "json",
    ) -> str:
        """One session as JSON or as a Markdown transcript with the feedback."""
        from coach.practice.export import export_session

        return export_session(self.store, session_id=session_id, user_id=user_id, fmt=fmt)

    # -- safety on its own ---------------------------------------------------------------

    def screen(self, text: str, *, locale: str | None = None) -> Screening:
        """The screen's verdict on one text, and what Coach would say about it."""
        verdict = self.rails.screen(text, locale=locale).verdict
        return Screening(verdict=verdict, response=safety.safety_response(verdict))

    def crisis_lines(self, locale: str | None = None) -> CrisisLines:
        """Every line for ``locale`` (default COACH_LOCALE), never empty."""
        directory = self.crisis_directory
        code = safety.resolve_locale(locale or self.settings.locale, directory=directory)
        names = directory.names
        return CrisisLines(
            locale=code,
            resources=safety.resources_for(code, None, directory=directory),
            countries=sorted(names.items(), key=lambda item: (item[0] == "INTL", item[1])),
            country_name=names.get(code) if code != "INTL" else None,
        )

    # -- everything one person has stored ------------------------------------------------

    def export_user_data(self, *, user_id: str = LOCAL_USER) -> dict[str, Any]:
        """Everything stored for one person (drafts, exercises, practice), JSON-ready."""
        data = self.store.export_user(user_id=user_id)
        data.update(_practice().export_practice(self.store, user_id=user_id))
        return data

    def delete_user_data(self, *, user_id: str = LOCAL_USER) -> dict[str, int]:
        """Delete every row that belongs to one person; counts per kind of data."""
        # Practice rows first: they hang off the user row the second call removes.
        counts = _practice().delete_practice(self.store, user_id=user_id)
        counts.update(self.store.delete_user_data(user_id=user_id))
        return counts

    def purge_expired(self, *, days: int | None = None) -> dict[str, int]:
        """Delete everyone's stored rows older than ``days`` (default COACH_RETENTION_DAYS)."""
        days = days if days is not None else self.settings.retention_days
        if days is None:
            raise ConfigError(
                "No retention period is set, so there is nothing to purge.",
                hint="Set COACH_RETENTION_DAYS, or pass --days N.",
            )
        if days < 1:
            raise InputError("The retention period must be at least one day.")
        return self.store.purge_before(cutoff=datetime.now(UTC) - timedelta(days=days))

    def warm_up(self) -> None:
        """Load what the first request would otherwise wait for: rules, models, store, index.

        A long-running surface calls this once before it says it is ready. Nothing is
        stored: the sample texts go through the jobs' reading steps only.
        """
        sample = "I feel hurt when plans change at the last minute. You never tell me."
        self.screen(sample)
        self.rewrite_draft(sample, use_llm=False)
        classify(sample)
        self.store  # noqa: B018 -- migrates the database now, not on the first save
        self.index.search(sample, k=1)  # opens (or refreshes) the index, loads the encoder

    def status(self) -> CoachStatus:
        """How this Coach runs: version, engine, how long it keeps data, and the database's health.

        "degraded" when the database cannot be used: help, the safety screen and checking
        drafts still work, and ``problems`` says what is wrong and how to recover.
        """
        database = doctor.check_database(lambda: self.store)
        return CoachStatus(
            status="ok" if database.ok else "degraded",
            version=__version__,
            engine=self.settings.engine_mode,
            saving=not self.settings.dont_save,
            retention_days=self.settings.retention_days,
            problems=[] if database.ok else [database],
        )

    def doctor(self) -> list[Finding]:
        """Check the database, the search index and the bundled models; each says its fix."""
        return [
            doctor.check_database(lambda: self.store),
            doctor.check_index(lambda: self.index.count()),
            doctor.check_models(doctor.bundled_models()),
        ]


def _practice() -> ModuleType:
    """The practice sessions' module, loaded (with the database code) on first use."""
    from coach.practice import session

    return session


__all__ = [
    "Citation",
    "Coach",
    "CoachStatus",
    "CrisisLines",
    "DraftResult",
    "ExerciseCard",
    "ExerciseEntry",
    "ExerciseRequest",
    "ExerciseResult",
    "Finding",
    "HintResult",
    "IStatementResult",
    "PartnerStyle",
    "PracticeSession",
    "PracticeStart",
    "PracticeSummary",
    "Resource",
    "RewriteOptions",
    "SafetyResponse",
    "SafetyVerdict",
    "Screening",
    "SessionListItem",
    "Stage",
    "StreamStep",
    "TurnResult",
    "UndoResult",
]
