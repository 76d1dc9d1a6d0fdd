"""Scoring candidate sentences: Weights.score sums the features, featurize fills them, ranked orders them."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from conftest import FakeEmbedder, tiny_index

from qa.answer.candidates import Candidate, candidates
from qa.answer.features import encode, featurize, ranked
from qa.answer.scoring import Features, Weights
from qa.embed.cache import CachedEmbedder
from qa.records import Hit

TEXTS = [
    "The committee dug forty wells in Ayacucho. The wells serve 300 families.",
    "Call the office on +51 9541 31650. The office is in Lima.",
]


def features(**changes) -> Features:
    base = dict(cosine=0.5, before_cosine=None, overlap=0.0, coverage=0.0, uncovered=1.0, slot=0.0, bigrams=0.0,
                length=0.0, typed=0, unit=False, form=False, passage=0.0)  # fmt: skip
    return Features(**{**base, **changes})


def test_score_is_the_weighted_sum_of_the_features():
    f = features(cosine=0.5, overlap=0.25, coverage=0.75, slot=0.3, bigrams=0.5, length=2.0, typed=-1,
                 unit=True, form=True, passage=0.8)  # fmt: skip
    w = Weights(cosine=1, overlap=2, coverage=3, slot=4, bigrams=5, length=6, type_match=7, unit=8, form=9, passage=10)
    expected = 1 * 0.5 + 2 * 0.25 + 3 * 0.75 + 4 * 0.3 + 5 * 0.5 + 6 * 2.0 + 7 * -1 + 8 * 1 + 9 * 1 + 10 * 0.8
    assert w.score(f) == pytest.approx(expected)


@pytest.mark.parametrize("name", ["cosine", "overlap", "coverage", "slot", "bigrams", "length", "passage"])
def test_each_feature_adds_its_weight(name):
    weights = Weights()
    base = features(cosine=0.0)
    bumped = dataclasses.replace(base, **{name: getattr(base, name) + 1.0})
    assert weights.score(bumped) - weights.score(base) == pytest.approx(getattr(weights, name))


def test_flags_add_their_weights():
    weights, base = Weights(), features()
    assert weights.score(features(typed=1)) - weights.score(base) == pytest.approx(weights.type_match)
    assert weights.score(features(typed=-1)) - weights.score(base) == pytest.approx(-weights.type_match)
    assert weights.score(features(unit=True)) - weights.score(base) == pytest.approx(weights.unit)
    assert weights.score(features(form=True)) - weights.score(base) == pytest.approx(weights.form)


def test_without_a_cosine_overlap_stands_in_for_meaning():
    weights = Weights()
    lexical = features(cosine=None, overlap=0.5)
    assert weights.score(lexical) == pytest.approx((weights.cosine + weights.overlap) * 0.5)
    assert weights.score(features(cosine=None)) == 0.0


def test_before_cosine_and_uncovered_do_not_enter_the_score():
    weights = Weights()
    assert weights.score(features(before_cosine=0.9, uncovered=0.0)) == weights.score(features())


def test_ranked_scores_and_sorts_best_first():
    hit = Hit(tiny_index(TEXTS).chunk(0), 1.0)
    low, high = features(coverage=0.1), features(coverage=0.9)
    found = [Candidate(hit, None, "low", features=low), Candidate(hit, None, "high", features=high)]
    best_first = ranked(found, Weights())
    assert [c.text for c in best_first] == ["high", "low"]
    assert best_first[0].score == Weights().score(high) and found[0].score == 0.0, "inputs are left as they were"


def _found(index, question_hits=(0, 1)):
    return candidates([Hit(index.chunk(r), 2.0 - r) for r in question_hits], index)


def test_featurize_without_a_model_fills_lexical_features():
    index = tiny_index(TEXTS)
    question = "How many families do the wells in Ayacucho serve?"
    found = featurize(question, _found(index), index, None)
    by_text = {c.text: c.features for c in found}
    serve = by_text["The wells serve 300 families."]
    dug = by_text["The committee dug forty wells in Ayacucho."]
    assert serve.cosine is None and serve.before_cosine is None and serve.slot == 0.0
    assert serve.typed == 1 and dug.typed == 1  # "300" and "forty" are numbers the question lacks
    assert by_text["The office is in Lima."].typed == -1
    assert serve.unit and not dug.unit  # a figure followed by "families"
    assert serve.overlap > 0 and 0 < dug.overlap < 1
    assert serve.coverage == 1.0 and serve.uncovered == pytest.approx(0.0), "with the sentence before, all is covered"
    assert serve.passage == 1.0 and by_text["The office is in Lima."].passage == 0.5
    assert serve.length == pytest.approx(math.log1p(4))  # well, serv, 300, famili
    assert serve.bigrams == 0.0 and not serve.form


def test_featurize_marks_the_form_the_question_names():
    index = tiny_index(TEXTS)
    found = featurize("What is the phone number of the office?", _found(index), index, None)
    forms = {c.text: c.features.form for c in found}
    assert forms["Call the office on +51 9541 31650."] and not forms["The office is in Lima."]


def test_featurize_marks_a_label_the_question_names_in_the_sentences_language():
    texts = [
        "Telephone\n\n+51 1 442 7310",
        "Responsable\n\nMarco Quispe, coordinador regional",
        "Press\n\nAna Ruiz, officer",
    ]
    index = tiny_index(texts)
    found = featurize("What is the telephone number?", _found(index, (0, 1, 2)), index, None)
    assert [c.features.form for c in found if c.text.startswith(("Telephone", "Press"))] == [True, False]
    spanish = {"es": "¿Quién es el responsable de la oficina?"}
    [labelled] = [c for c in _found(index, (0, 1, 2)) if c.text.startswith("Responsable")]
    doc_id = labelled.hit.chunk.doc_id
    index.documents[doc_id] = dataclasses.replace(index.documents[doc_id], language="es")
    [read] = featurize("Who is the manager of the office?", [labelled], index, None, spanish)
    assert read.features.form, "the Spanish label matches the Spanish question, not its translation"


def test_featurize_counts_question_word_pairs_in_order():
    index = tiny_index(TEXTS)
    found = featurize("Did the committee dig forty wells?", _found(index, (0,)), index, None)
    dug = next(c.features for c in found if c.text.startswith("The committee"))
    assert dug.bigrams == pytest.approx(1 / 3)  # (committee, dig) (dig, forty) (forty, wells): only the last


def test_encode_gives_cosines_and_no_token_features_without_token_offsets():
    index = tiny_index(TEXTS)
    fake = FakeEmbedder()
    found = _found(index)
    question = "How many wells were dug?"
    encoded = encode(question, found, index, CachedEmbedder(fake))
    assert encoded.question is None and encoded.sentences is None
    vectors = fake.encode([question] + [c.text for c in found] + [c.before for c in found])
    assert np.allclose(encoded.cosines, vectors[1 : len(found) + 1] @ vectors[0], atol=1e-6)
    assert np.allclose(encoded.before_cosines, vectors[len(found) + 1 :] @ vectors[0], atol=1e-6)
    scored = featurize(question, found, index, encoded)
    assert [c.features.cosine for c in scored] == pytest.approx(encoded.cosines.tolist())
    assert scored[0].features.before_cosine is None and scored[1].features.before_cosine is not None
