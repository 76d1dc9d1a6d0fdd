"""Sentence spans: exact offsets, and web-page fragments folded into complete statements."""

from __future__ import annotations

from conftest import odd_texts
from hypothesis import HealthCheck, example, given, settings

from qa.ingest.sentences import split_sentences


def _texts(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text) if not s.is_heading]


def test_offsets_slice_back_to_the_sentences():
    text = "Peru is large.  It has 33 million people!\nThe U.S. gave aid. Was it enough?"
    spans = split_sentences(text)
    assert [text[s.start : s.end] for s in spans] == [
        "Peru is large.",
        "It has 33 million people!",
        "The U.S. gave aid.",
        "Was it enough?",
    ]


def test_figure_on_its_own_line_joins_its_caption():
    text = "The impact of our work\n\n22,295\n\npeople went missing during the period of violence.\n"
    assert _texts(text) == ["22,295\n\npeople went missing during the period of violence."]
    headings = [text[s.start : s.end] for s in split_sentences(text) if s.is_heading]
    assert headings == ["The impact of our work"]


def test_a_label_joins_a_name_with_a_title_or_role_or_an_e_mail_but_menu_lines_stay_apart():
    text = "Medical director\n\nDr. Elena Mamani\n\nKey figures for 2023\n\n"
    text += "Responsable\n\nMarco Quispe, coordinador regional\n\nE-mail\n\ninfo@redaltiplano.org\n\n"
    text += "About us\n\nOur History\n"
    assert _texts(text) == [
        "Medical director\n\nDr. Elena Mamani",
        "Responsable\n\nMarco Quispe, coordinador regional",
        "E-mail\n\ninfo@redaltiplano.org",
    ], "the heading and the two menu lines are headings on their own"


def test_label_joins_its_value():
    text = "Contact us\n\nAddress\n\nCalle Tomas Edison 255, San Isidro, Lima\n\nTelephone\n\n+51 9541 31650\n"
    assert _texts(text) == ["Address\n\nCalle Tomas Edison 255, San Isidro, Lima", "Telephone\n\n+51 9541 31650"]


def test_bullets_are_stripped_from_the_span():
    text = "Highlights\n  • The embassy manages over 50 scholarships.\n  • Trade grew 140 percent.\n"
    assert _texts(text) == ["The embassy manages over 50 scholarships.", "Trade grew 140 percent."]


def test_wrapped_lines_are_one_sentence_and_lowercase_split_is_undone():
    text = "Income rose by 97.5%. in their households across the\nregion this year.\n"
    assert _texts(text) == ["Income rose by 97.5%. in their households across the\nregion this year."]


def test_markdown_heading_is_a_heading():
    text = "# Water\n\nWells were dug in 2020.\n"
    spans = split_sentences(text)
    assert spans[0].is_heading and text[spans[0].start : spans[0].end] == "Water"


def test_a_huge_line_without_punctuation_is_cut_into_bounded_spans():
    text = "word " * 50_000
    spans = split_sentences(text)
    assert spans and max(s.end - s.start for s in spans) <= 1_000
    assert all(text[s.start : s.end].strip() == text[s.start : s.end] for s in spans)


def test_a_leading_minus_is_part_of_the_figure_not_a_bullet():
    text = "-5% was the change in exports last year.\n- A real bullet item here.\n"
    assert _texts(text) == ["-5% was the change in exports last year.", "A real bullet item here."]


def test_a_short_title_line_is_a_heading_and_a_figure_line_is_not():
    text = "Annual Report\n\nThe wells were finished in May.\n"
    spans = split_sentences(text)
    assert [(text[s.start : s.end], s.is_heading) for s in spans] == [
        ("Annual Report", True),
        ("The wells were finished in May.", False),
    ]


def test_empty_and_blank_text_have_no_sentences():
    assert split_sentences("") == [] and split_sentences(" \n\t\n") == []


def check_spans(text: str, spans) -> None:
    """Spans are inside the text, in order, without overlap, and stripped of surrounding space."""
    previous_end = 0
    for span in spans:
        body = text[span.start : span.end]
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= previous_end, "sentences overlap or are out of order"
        assert body == body.strip() and body, repr(body)
        previous_end = span.end


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_texts())
@example("")
@example("\r\n\r\n")
@example("x" * 6000)
@example("A.\u2028B.")
def test_sentence_spans_are_stripped_sorted_and_inside_the_text(text):
    check_spans(text, split_sentences(text))
