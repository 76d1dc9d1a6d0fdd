"""A conversation over an Engine: its turns so far and its document scope, for the terminal chat and batch chats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.engine import Engine
from qa.records import Answer, Turn
from qa.search.options import DEFAULT_MODE, DEFAULT_TOP_K
from qa.search.retrieval import scope

MAX_TURNS = 10  # earlier turns kept; a follow-up only ever looks at the last one or two


@dataclass
class Chat:
    """One conversation: ask questions in order; each answer is asked with the turns before it."""

    engine: Engine
    sources: list[str] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)

    def ask(self, question: str, mode: str = DEFAULT_MODE, top_k: int = DEFAULT_TOP_K) -> Answer:
        reply = self.engine.ask(question, mode, top_k, history=self.turns[-MAX_TURNS:], sources=self.sources)
        self.turns.append(Turn(question, reply))
        return reply

    def new(self) -> None:
        """Start over: no earlier turns (the scope stays)."""
        self.turns.clear()

    def scope(self, patterns: Sequence[str]) -> None:
        """Limit later questions to documents matching these globs (checked now); none lifts the limit."""

        scope(self.engine.index, patterns)  # an unmatched pattern is an InputError here, not at the next question
        self.sources = list(patterns)


class Chats:
    """Conversations by id, as `qa chat --json` serves them from one stream of lines."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.chats: dict[str, Chat] = {}

    def ask(self, conversation: str, question: str, sources: Sequence[str] = (), **options) -> Answer:
        chat = self.chats.setdefault(conversation, Chat(self.engine))
        chat.sources = list(sources)
        return chat.ask(question, **options)
