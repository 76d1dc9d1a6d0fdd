"""What kind of fact a question asks for, the form it names, the thing it counts, and whether a sentence holds it."""

from __future__ import annotations

import pytest

from qa.answer.types import (
    DATE,
    NUMBER,
    PERSON,
    PLACE,
    count_unit,
    holds_type,
    question_type,
    specific_form,
)


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How many people went missing?", NUMBER),
        ("How much money did the EU give?", NUMBER),
        ("What is the population of Lima?", NUMBER),
        ("What percentage of farmers earn more?", NUMBER),
        ("What is the phone number of the office?", NUMBER),
        ("When did the bridge open?", DATE),
        ("What year was it founded?", DATE),
        ("Since when has COOPI been present in Peru?", DATE),
        ("Who founded the seed bank?", PERSON),
        ("Which company built the road?", PERSON),
        ("What is the name of the chief representative?", PERSON),
        ("Where is the delegation?", PLACE),
        ("Which city hosts the office?", PLACE),
        ("Why did the project close?", None),
        ("Describe the project.", None),
    ],
)
def test_question_type(question, kind):
    assert question_type(question) == kind


def test_question_type_ignores_case_and_takes_the_first_kind_named():
    assert question_type("WHO FOUNDED IT?") == PERSON
    assert question_type("How many years ago, and where?") == NUMBER


def test_count_unit_is_the_thing_counted():
    assert count_unit("How many people went missing?") == "people"
    assert count_unit("how much MONEY was given?") == "money"
    assert count_unit("How many did they build?") is None  # "did" is not a unit
    assert count_unit("How much is it?") is None
    assert count_unit("When did it open?") is None


def test_specific_form_names_phones_addresses_percentages_and_money():
    phone = specific_form("What is the telephone number?")
    assert phone.search("Call +51 9541 31650 today") and not phone.search("In 2020 they dug 40 wells")
    address = specific_form("What is the street address of the delegation?")
    assert address.search("Calle Tomas Edison 255, Lima") and address.search("It is at 12 Main Street")
    percent = specific_form("By what percentage did earnings rise?")
    assert percent.search("They rose 97.5%") and percent.search("ten percent") and not percent.search("ten points")
    money = specific_form("How much funding did the EU give?")
    assert money.search("It gave $92.5 million") and money.search("€ 5 in aid") and not money.search("5 wells")
    assert specific_form("How many wells were dug?") is None and specific_form("Who is it?") is None


def test_untyped_questions_accept_any_sentence():
    assert holds_type("Anything at all.", None, "Why did it close?")


def test_a_number_must_be_new_to_the_question():
    question = "How many people live in Peru?"
    assert holds_type("It has 33 million people.", NUMBER, question)
    assert holds_type("Some twenty families live there.", NUMBER, question)
    assert not holds_type("Peru has many people.", NUMBER, question)
    assert not holds_type("Peru in 2020 had people.", NUMBER, "How many people lived in Peru in 2020?")


def test_a_date_is_a_year_month_time_or_century_not_in_the_question():
    assert holds_type("It opened in March.", DATE, "When did it open?")
    assert holds_type("It opened in 1998.", DATE, "When did it open?")
    assert holds_type("It opens at 9 am.", DATE, "When does it open?")
    assert holds_type("It was built in the last century.", DATE, "When was it built?")
    assert not holds_type("It opened in 1998.", DATE, "When did the 1998 bridge open?")
    assert not holds_type("It opened after the rains.", DATE, "When did it open?")


def test_a_person_is_a_new_multiword_name_or_acronym():
    assert holds_type("Maria Lopez founded it.", PERSON, "Who founded the seed bank?")
    assert holds_type("It was founded by JICA.", PERSON, "Who founded it?")
    assert not holds_type("Maria Lopez founded it.", PERSON, "Who is Maria Lopez?")
    assert not holds_type("A farmer founded it.", PERSON, "Who founded it?")


def test_a_place_is_a_new_name_or_an_address_with_a_number():
    assert holds_type("It moved to the Sacred Valley.", PLACE, "Where did it move?")
    assert holds_type("The office is at Calle Tomas 255.", PLACE, "Where is the office?")
    assert not holds_type("It moved to a small town.", PLACE, "Where did it move?")


def test_a_year_dates_something_and_counts_nothing():
    question = "How many people work for the fund?"
    assert not holds_type("It has been led by Rosa since 2018.", NUMBER, question)
    assert holds_type("It employs 46 staff since 2018.", NUMBER, question)
    assert holds_type("It opened in 2018.", DATE, "When did it open?")
