"""`qa users add|remove|list --users FILE`: the accounts of a shared `qa serve`; passwords never as arguments."""

from __future__ import annotations

import getpass
import sys

from qa.records import InputError


def _password() -> str:
    """The new password: typed twice at a prompt, or the first line of standard input when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (at least 10 characters): ")
    if getpass.getpass("Again: ") != first:
        raise InputError("the two passwords differ; nothing was changed")
    return first


def run_users(args) -> int:
    from qa.app.users import Users

    if args.action == "list":
        users = Users.read(args.users)
        for name, account in sorted(users.accounts.items()):
            print(f"{name}\t{','.join(account.groups) or '-'}")
        return 0
    users = Users.read(args.users, missing_ok=args.action == "add")
    if args.action == "remove":
        users.without_user(args.name).write()
        print(f"removed {args.name} from {args.users}", file=sys.stderr)
        return 0
    groups = tuple(g.strip() for g in args.groups.split(",") if g.strip())
    users.with_user(args.name, groups, _password()).write()
    print(f"{args.name} ({', '.join(groups) or 'no groups'}) saved in {args.users}", file=sys.stderr)
    return 0
