"""Sentence spans: exact offsets, and web-page fragments folded into complete statements."""

from __future__ import annotations

from qa.sentences import split_sentences


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
