"""`qa eval squad`: SQuAD v1.1 paragraphs as documents, each question answered by the answer path users get."""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from qa.answer.candidates import Passages
from qa.answer.extract import answer
from qa.answer.scorer import Scorer, shipped_scorer
from qa.embed.cache import CachedEmbedder
from qa.measure.corpora import Setup, cached_embedder, corpus_index
from qa.measure.datasets import file_key, in_half, read_squad
from qa.measure.metrics import cited_holding, contains_answer, doc_ranking, exact_f1
from qa.search.options import MODES
from qa.search.retrieval import ANSWER_POOL, Lookup, answer_passages
from qa.store.index import Index


def _sentences(index: Index) -> list[str]:
    """Every answer-candidate sentence of the index, to embed up front in one batch."""
    found = {
        index.document(c.doc_id).text[s.start : s.end] for c in index.chunks for s in c.sentences if not s.is_heading
    }
    return sorted(found)


def _warm(embedder: CachedEmbedder, questions: list[str], index: Index):
    """Embed questions and sentences (vectors and tokens) in big batches; later answers read the cache."""
    vectors = embedder.encode(questions, progress=True)
    embedder.encode(_sentences(index), progress=True)
    embedder.encode_tokens(questions + _sentences(index) + [""], progress=True)
    embedder.folder = None  # answers below only read the warm cache
    return vectors


def _squad_mode(index: Index, questions: list, vectors, mode: str, scorer: Scorer) -> dict:
    """Recall, answer accuracy, citation precision, and the short answer's exact match / F1 (a missing one scores 0)
    and precision (exact when given) in one mode."""
    r1 = r5 = correct = given = answered = cited = holding = 0
    em = f1 = 0.0
    for (question, answers, doc_id), vector in tqdm(list(zip(questions, vectors)), desc=f"squad {mode}"):
        hits = answer_passages(index, Lookup(question, vector, mode), max(5, ANSWER_POOL))
        ranked = doc_ranking(hits)
        r1 += ranked[:1] == [doc_id]
        r5 += doc_id in ranked[:5]
        reply = answer(question, Passages(tuple(hits), index, mode), scorer)
        correct += contains_answer(reply.citations[0].quote if reply.citations else "", answers)
        if reply.found:
            answered, (c, h) = answered + 1, cited_holding(reply.citations, answers)
            cited, holding = cited + c, holding + h
        if reply.short is not None:
            e, f = exact_f1(reply.short.text, answers)
            given, em, f1 = given + 1, em + e, f1 + f
    n = max(len(questions), 1)
    figures = {"recall@1": round(r1 / n, 4), "recall@5": round(r5 / n, 4), "answer_accuracy": round(correct / n, 4),
               "citation_precision": round(holding / max(cited, 1), 4),
               "sentences_per_answer": round(cited / max(answered, 1), 4)}  # fmt: skip
    if scorer.token_scorer is not None:
        figures.update(short_em=round(em / n, 4), short_f1=round(f1 / n, 4), short_given=round(given / n, 4),
                       short_precision=round(em / max(given, 1), 4))  # fmt: skip
    return figures


def _scorer(embedder: CachedEmbedder, mode: str, learned: bool) -> Scorer:
    """The scorer a question of this mode gets: words alone for BM25, else the embedder and the learned scorers."""
    if mode == "bm25":
        return Scorer()
    return shipped_scorer(embedder) if learned else Scorer(embedder=embedder)


def eval_squad(path: Path, setup: Setup, articles: str = "all", limit: int | None = None,
               modes: tuple[str, ...] = MODES, learned: bool = True) -> dict:  # fmt: skip
    """Recall@1/@5, answer accuracy and short-answer EM/F1 per mode over SQuAD v1.1 `articles` (even|odd|all)."""
    embedder = cached_embedder(setup)
    documents, questions = read_squad(path)
    questions = [q for q in questions if in_half(q[2], articles)]
    questions = questions[:limit] if limit else questions
    index = corpus_index(setup.cache, file_key(path), lambda: documents, embedder)
    vectors = _warm(embedder, [q for q, _, _ in questions], index)
    results = {mode: _squad_mode(index, questions, vectors, mode, _scorer(embedder, mode, learned)) for mode in modes}
    learned_used = learned and shipped_scorer(embedder).token_scorer is not None
    return {"questions": len(questions), "paragraphs": len(documents), "articles": articles,
            "reader": learned_used, **results}  # fmt: skip
