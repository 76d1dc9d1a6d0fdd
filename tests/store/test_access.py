"""Access rules: read from TOML, kept with the index, and the documents one reader may see."""

from __future__ import annotations

import pytest

from qa.records import IndexCorrupt, InputError
from qa.store.access import (
    Reader,
    Rule,
    VisibleDocuments,
    load_rules,
    may_read,
    read_rules,
    readers_of,
    save_rules,
    unruled,
    visible,
)

DOCS = ["finance/budget.xlsx", "finance/public/summary.md", "research/notes.txt", "readme.txt"]
RULES = (Rule("finance/*", ("finance",)), Rule("finance/public/*", ("staff",)), Rule("research/*", ("research",)))


def test_rules_are_read_from_toml(tmp_path):
    path = tmp_path / "access.toml"
    rules = '[[rule]]\npath = "finance/*"\ngroups = ["finance"]\n\n[[rule]]\npath = "r/*"\ngroups = ["a", "b"]\n'
    path.write_text(rules)
    assert read_rules(path) == (Rule("finance/*", ("finance",)), Rule("r/*", ("a", "b")))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[rule]]\npath = 'a/*'\n", "exactly `path` and `groups`"),
        ("[[rule]]\npath = '/etc/*'\ngroups = ['x']\n", "relative to the folder"),
        ("[[rule]]\npath = '../x'\ngroups = ['x']\n", "relative to the folder"),
        ("[[rule]]\npath = 'a'\ngroups = []\n", "non-empty list"),
        ("[[rule]]\npath = 'a'\ngroups = ['no spaces']\n", "group 'no spaces'"),
        ("[rule]\npath = 'a'\n", "[[rule]] tables"),
        ("path = ", "not a TOML file"),
    ],
)
def test_a_bad_rules_file_is_one_line_naming_it(tmp_path, text, words):
    path = tmp_path / "access.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=str(path)) as caught:
        read_rules(path)
    assert words in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(InputError, match="cannot read"):
        read_rules(tmp_path / "missing.toml")


def test_rules_are_kept_with_the_index(tmp_path):
    assert load_rules(tmp_path) == ()
    save_rules(tmp_path, RULES)
    assert load_rules(tmp_path) == RULES
    (tmp_path / "access.json").write_text("{broken")
    with pytest.raises(IndexCorrupt, match="access rules"):
        load_rules(tmp_path)


def test_every_matching_rule_grants_and_an_unmatched_document_is_open():
    assert readers_of("finance/public/summary.md", RULES) == {"finance", "staff"}
    assert readers_of("readme.txt", RULES) is None
    assert unruled(DOCS, RULES) == 1
    staff, finance = Reader("sam", ("staff",)), Reader("fay", ("finance", "staff"))
    assert visible(DOCS, RULES, staff) == {"finance/public/summary.md", "readme.txt"}
    assert visible(DOCS, RULES, finance) == {"finance/budget.xlsx", "finance/public/summary.md", "readme.txt"}
    assert visible(DOCS, RULES, Reader("nobody")) == {"readme.txt"}
    assert visible(DOCS, RULES, None) is None and visible(DOCS, (), staff) is None  # no reader or no rules: all
    assert may_read(RULES, staff)("research/other.txt") is False and may_read(RULES, None) is None


def test_hidden_documents_are_not_in_the_readers_view():
    documents = {d: f"text of {d}" for d in DOCS}
    view = VisibleDocuments(documents, {"readme.txt"})
    assert list(view) == ["readme.txt"] and len(view) == 1 and "research/notes.txt" not in view
    assert view.get("research/notes.txt") is None and view["readme.txt"] == "text of readme.txt"
    with pytest.raises(KeyError):
        view["finance/budget.xlsx"]  # noqa: B018
    assert len(VisibleDocuments(documents, None)) == 4
