"""`qa eval chat`: multi-turn conversations answered with their history, against every turn asked alone."""

from __future__ import annotations

from pathlib import Path

from qa.engine import Engine
from qa.measure.metrics import contains_answer
from qa.records import InputError, Turn
from qa.store.files import read_jsonl

FOLLOW_UP_KINDS = ("pronoun", "ellipsis", "short", "definite")


def read_conversations(path: Path) -> dict[str, list[dict]]:
    """Turns grouped by conversation id, in file order: {"conversation", "question", "answers", "source", "kind"}."""
    conversations: dict[str, list[dict]] = {}
    for number, row in enumerate(read_jsonl(path), start=1):
        if not isinstance(row.get("conversation"), str) or not isinstance(row.get("question"), str):
            raise InputError(f"{path}: turn {number} needs 'conversation' and 'question' strings")
        conversations.setdefault(row["conversation"], []).append(row)
    return conversations


def correct(turn: dict, reply) -> bool:
    """Declined when the documents cannot answer; else answered with an expected string."""
    if turn.get("source") is None:
        return not reply.found
    return reply.found and contains_answer(reply.answer, turn.get("answers", []))


def _score(turns: list[dict], replies: list) -> dict:
    follow = [i for i, t in enumerate(turns) if t.get("kind") in FOLLOW_UP_KINDS]
    alone = [i for i, t in enumerate(turns) if t.get("kind") not in FOLLOW_UP_KINDS]
    answerable = [i for i, t in enumerate(turns) if t.get("source") is not None]
    ok = [correct(t, r) for t, r in zip(turns, replies)]
    share = lambda rows: round(sum(ok[i] for i in rows) / max(len(rows), 1), 4)  # noqa: E731
    sourced = sum(any(c.source == turns[i]["source"] for c in replies[i].citations) for i in answerable)
    return {
        "turns_correct": share(range(len(turns))),
        "follow_ups_correct": share(follow),
        "self_contained_correct": share(alone),
        "right_source": round(sourced / max(len(answerable), 1), 4),
    }


def eval_chat(conversations: dict[str, list[dict]], engine: Engine, mode: str = "hybrid", top_k: int = 5) -> dict:
    """Each conversation (read_conversations) asked in order with its history, and each turn alone, scored alike."""
    turns, chat, alone, misses = [], [], [], []
    for conversation in conversations.values():
        history: list[Turn] = []
        for turn in conversation:
            reply = engine.ask(turn["question"], mode, top_k, history=history)
            history.append(Turn(turn["question"], reply))
            turns.append(turn)
            chat.append(reply)
            alone.append(engine.ask(turn["question"], mode, top_k))
            if not correct(turn, reply):
                misses.append({"question": turn["question"], "searched": reply.searched, "got": reply.answer})
    follow_ups = sum(t.get("kind") in FOLLOW_UP_KINDS for t in turns)
    counts = {"conversations": len(conversations), "turns": len(turns), "follow_up_turns": follow_ups, "mode": mode}
    return {**counts, "with_history": _score(turns, chat), "standalone": _score(turns, alone), "failures": misses}
