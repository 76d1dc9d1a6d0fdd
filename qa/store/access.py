"""Who may read which document: access rules kept with the index, and the documents one reader may see.

A rules file is TOML, one `[[rule]]` table per rule, each with `path` (a glob relative to the indexed folder,
matched against the document's source path) and `groups` (a list). A document is readable by the members of
every group of every rule whose path matches it; a document no rule matches is readable by every signed-in
user. The rules are saved in the index folder (`access.json`), so later syncs keep them.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from qa.records import IndexCorrupt, InputError

RULES_FILE = "access.json"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


@dataclass(frozen=True)
class Rule:
    """The documents matching `path` (a glob) are readable by the members of `groups`."""

    path: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Reader:
    """A signed-in user, and the groups they belong to."""

    name: str
    groups: tuple[str, ...] = ()  # in the users file's order: an upload joins the first


def check_name(value, what: str) -> str:
    """A user or group name: 1 to 64 letters, digits, dots, dashes or underscores."""
    if not isinstance(value, str) or not 0 < len(value) <= 64 or not set(value) <= _NAME_CHARS:
        raise InputError(f"{what} {str(value)[:40]!r}: use 1 to 64 letters, digits, '.', '-' or '_'")
    return value


def _rule(entry, where: str) -> Rule:
    if not isinstance(entry, dict) or set(entry) != {"path", "groups"}:
        raise InputError(f"{where}: each [[rule]] needs exactly `path` and `groups`")
    path, groups = entry["path"], entry["groups"]
    if not isinstance(path, str) or not path.strip() or path.startswith("/") or ".." in Path(path).parts:
        raise InputError(f"{where}: `path` must be a glob relative to the folder, not {str(path)[:60]!r}")
    if not isinstance(groups, list) or not groups:
        raise InputError(f"{where}: `groups` must be a non-empty list of group names")
    return Rule(path.strip(), tuple(check_name(g, f"{where}: group") for g in groups))


def read_rules(path: Path) -> tuple[Rule, ...]:
    """The rules of a TOML rules file; InputError naming the file and what is wrong."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the access rules ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a TOML file ({str(exc).splitlines()[0][:100]})") from None
    entries = data.get("rule")
    if set(data) - {"rule"} or not isinstance(entries, list):
        raise InputError(f"{path}: write the rules as [[rule]] tables with `path` and `groups`, and nothing else")
    return tuple(_rule(entry, f"{path}, rule {n}") for n, entry in enumerate(entries, 1))


def save_rules(index_dir: Path, rules: Iterable[Rule]) -> None:
    """Keep the rules with the index (written whole: a reader sees the old rules or the new)."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    data = {"rules": [{"path": r.path, "groups": list(r.groups)} for r in rules]}
    with tempfile.NamedTemporaryFile("w", dir=index_dir, prefix=".access-", delete=False, encoding="utf-8") as out:
        json.dump(data, out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(out.name, index_dir / RULES_FILE)


def load_rules(index_dir: Path) -> tuple[Rule, ...]:
    """The rules kept with the index (none: every document readable by every signed-in user)."""
    path = Path(index_dir) / RULES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return tuple(Rule(r["path"], tuple(r["groups"])) for r in data["rules"])
    except FileNotFoundError:
        return ()
    except (OSError, ValueError, KeyError, TypeError):
        raise IndexCorrupt(f"{path}: unreadable access rules; run `qa index --access FILE` again") from None


def readers_of(doc_id: str, rules: Iterable[Rule]) -> frozenset[str] | None:
    """The groups that may read the document; None when no rule matches it (every signed-in user may)."""
    groups = [g for rule in rules if fnmatchcase(doc_id, rule.path) for g in rule.groups]
    return frozenset(groups) if groups else None


def may_read(rules: tuple[Rule, ...], reader: Reader | None) -> Callable[[str], bool] | None:
    """Whether `reader` may read a document of a given path (indexed or not); None when they may read all (no
    reader: no access control; or no rules)."""
    if reader is None or not rules:
        return None
    mine = set(reader.groups)
    return lambda doc_id: (groups := readers_of(doc_id, rules)) is None or bool(groups & mine)


def visible(doc_ids: Iterable[str], rules: tuple[Rule, ...], reader: Reader | None) -> set[str] | None:
    """The documents `reader` may read, or None for all of them (no reader: no access control; or no rules)."""
    readable = may_read(rules, reader)
    return None if readable is None else {d for d in doc_ids if readable(d)}


def unruled(doc_ids: Iterable[str], rules: tuple[Rule, ...]) -> int:
    """How many of the documents no rule matches (readable by every signed-in user)."""
    return sum(readers_of(d, rules) is None for d in doc_ids)


class VisibleDocuments(Mapping):
    """An index's documents as one reader sees them: the others are not there."""

    def __init__(self, documents: Mapping, allowed: set[str] | None):
        self._documents, self._allowed = documents, allowed

    def __getitem__(self, doc_id):
        if self._allowed is not None and doc_id not in self._allowed:
            raise KeyError(doc_id)
        return self._documents[doc_id]

    def __contains__(self, doc_id) -> bool:
        return doc_id in self._documents and (self._allowed is None or doc_id in self._allowed)

    def __iter__(self):
        return (d for d in self._documents if self._allowed is None or d in self._allowed)

    def __len__(self) -> int:
        return len(self._documents) if self._allowed is None else sum(1 for _ in self)


class AccessCache:
    """The rules of one index folder and the documents each group set may read, worked out once per index
    version and rules file (both checked on every call: a new version or new rules are seen at once)."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._visible: dict[tuple, set[str] | None] = {}
        self._lock = threading.Lock()

    def visible(self, index, reader: Reader | None) -> set[str] | None:
        """The documents of `index` that `reader` may read; None for all of them."""
        if reader is None:
            return None
        try:
            stamp = (self.index_dir / RULES_FILE).stat().st_mtime_ns
        except FileNotFoundError:
            return None
        key = (index.version, stamp, reader.groups)
        with self._lock:
            if key not in self._visible:
                if len(self._visible) > 64:
                    self._visible.clear()
                self._visible[key] = visible(index.doc_ids(), load_rules(self.index_dir), reader)
            return self._visible[key]

    def readable(self, reader: Reader | None) -> Callable[[str], bool] | None:
        """Whether `reader` may read a document of a given path, indexed or not; None: every document."""
        return may_read(load_rules(self.index_dir), reader) if reader is not None else None
