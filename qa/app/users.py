"""Accounts for a shared `qa serve`: names, groups and scrypt password hashes in one file (mode 0600).

The file is JSON: {"users": {NAME: {"groups": [...], "password": "scrypt$N$r$p$SALT$HASH"}}}. Passwords are
hashed with scrypt (memory-hard; Python's hashlib, from OpenSSL), compared in constant time; a name that is not
there costs as much to check as one that is, so timing does not tell which names exist. The file is written
whole (a temporary file renamed over it) and readable by its owner only.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qa.records import InputError
from qa.store.access import Reader, check_name

SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # 16 MB and ~50 ms a check here: slow for guessing, quick for a login
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024


@dataclass(frozen=True)
class Account:
    """One user: the groups they belong to and their password hash."""

    groups: tuple[str, ...]
    password: str


def hash_password(password: str, salt: bytes | None = None, n: int = SCRYPT["n"], r: int = SCRYPT["r"],
                  p: int = SCRYPT["p"]) -> str:  # fmt: skip
    """The scrypt hash of a password, with its parameters and salt, as one string."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2**26, dklen=32)
    encode = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"scrypt${n}${r}${p}${encode(salt)}${encode(digest)}"


def password_matches(password: str, stored: str) -> bool:
    """Whether the password hashes to `stored` (constant-time comparison)."""
    try:
        _, n, r, p, salt, _digest = stored.split("$")
        again = hash_password(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(again.encode(), stored.encode())


_DUMMY = hash_password("not a password of anyone", b"0" * 16)


def check_password(password: str) -> str:
    """The password if it may be used; InputError saying why not."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"the password must be at least {MIN_PASSWORD_CHARS} characters long")
    if len(password) > MAX_PASSWORD_CHARS or "\n" in password or "\0" in password:
        raise InputError(f"the password must be one line of at most {MAX_PASSWORD_CHARS} characters")
    return password


class Users:
    """The accounts of one users file."""

    def __init__(self, path: Path, accounts: dict[str, Account]):
        self.path, self.accounts = Path(path), accounts

    @classmethod
    def read(cls, path: Path, missing_ok: bool = False) -> Users:
        """The accounts in `path` (none if it does not exist and `missing_ok`); InputError naming what is wrong."""
        path = Path(path)
        if missing_ok and not path.exists():
            return cls(path, {})
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            accounts = {check_name(name, "user"): Account(tuple(entry["groups"]), str(entry["password"]))
                        for name, entry in data["users"].items()}  # fmt: skip
        except OSError as exc:
            raise InputError(f"{path}: cannot read the users file ({exc.strerror or exc})") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            hint = f"make one with `qa users add NAME --users {path}`"
            raise InputError(f"{path}: not a qa users file ({hint})") from None
        return cls(path, accounts)

    def write(self) -> None:
        """Save the accounts: written whole, readable by the owner only."""
        data = {"users": {n: {"groups": list(a.groups), "password": a.password} for n, a in self.accounts.items()}}
        folder = self.path.parent if str(self.path.parent) else Path(".")
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=folder, prefix=".users-", delete=False, encoding="utf-8") as out:
            os.chmod(out.name, 0o600)
            json.dump(data, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(out.name, self.path)

    def with_user(self, name: str, groups: tuple[str, ...], password: str) -> Users:
        """These accounts with `name` added (or its groups and password replaced)."""
        groups = tuple(check_name(g, "group") for g in groups)
        account = Account(groups, hash_password(check_password(password)))
        return Users(self.path, {**self.accounts, check_name(name, "user"): account})

    def without_user(self, name: str) -> Users:
        if name not in self.accounts:
            raise InputError(f"{self.path}: no user {name!r}")
        return Users(self.path, {n: a for n, a in self.accounts.items() if n != name})

    def reader(self, name: str, password: str) -> Reader | None:
        """The signed-in Reader if the password is this user's, else None (as slow for an unknown name)."""
        account = self.accounts.get(name)
        matched = password_matches(password, account.password if account else _DUMMY)
        return Reader(name, account.groups) if matched and account is not None else None

    def reader_named(self, name: str | None) -> Reader | None:
        """The Reader of a user already signed in (by name), None if there is no such user now."""
        account = self.accounts.get(name or "")
        return Reader(name, account.groups) if account is not None else None


class LiveUsers:
    """A users file as a running server sees it: read again whenever it changes (`qa users add` while serving)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._stamp: int | None = None
        self._users = Users.read(self.path)
        self._stamp = self.path.stat().st_mtime_ns

    def current(self) -> Users:
        try:
            stamp = self.path.stat().st_mtime_ns
        except OSError:
            return self._users  # gone or unreadable for a moment: keep what was read
        if stamp != self._stamp:
            with contextlib.suppress(InputError):  # damaged: keep what was read
                self._users, self._stamp = Users.read(self.path), stamp
        return self._users
