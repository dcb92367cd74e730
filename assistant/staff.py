"""Staff credentials: hashed in the settings (never in the repo), checked by the staff app.

`assistant staff-password NAME` reads a password and prints the entry to put in
``ASSISTANT_STAFF_USERS`` (comma-separated ``name:pbkdf2_sha256$iterations$salt$hash``).
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import secrets
import sys

from assistant.errors import AssistantError
from assistant.settings import Settings

ITERATIONS = 200_000
MIN_PASSWORD = 12
SCHEME = "pbkdf2_sha256"


def hash_password(password: str, salt: str | None = None, iterations: int = ITERATIONS) -> str:
    """The stored form of a password: scheme, iterations, salt and the derived key."""
    salt = salt or secrets.token_hex(16)
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"{SCHEME}${iterations}${salt}${key.hex()}"


def verify(password: str, stored: str) -> bool:
    """Whether the password matches its stored form (in constant time)."""
    try:
        scheme, iterations, salt, _ = stored.split("$")
    except ValueError:
        return False
    if scheme != SCHEME or not iterations.isdigit():
        return False
    return hmac.compare_digest(hash_password(password, salt, int(iterations)), stored)


def parse_users(entries: str) -> dict[str, str]:
    """``name:hash,name:hash`` as a dict; a malformed entry is a one-line AssistantError."""
    users = {}
    for entry in filter(None, (e.strip() for e in entries.split(","))):
        name, sep, stored = entry.partition(":")
        if not sep or not name or stored.count("$") != 3:
            raise AssistantError(
                "invalid setting ASSISTANT_STAFF_USERS: each entry is name:hash "
                "(make one with `assistant staff-password NAME`)"
            )
        users[name] = stored
    return users


def checker(settings: Settings) -> object | None:
    """Gradio's auth callable for the staff app, or None when no staff user is set."""
    users = parse_users(settings.staff_users)
    if not users:
        return None

    def check(name: str, password: str) -> bool:
        stored = users.get(name)
        return stored is not None and verify(password, stored)

    return check


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of `assistant staff-password`."""
    parser.add_argument("name", help="The staff member's user name.")


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Read a password (twice on a terminal, once from a pipe) and print the entry."""
    if ":" in args.name or "," in args.name:
        raise AssistantError("a user name cannot contain ':' or ','")
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise AssistantError("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < MIN_PASSWORD:
        raise AssistantError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    print(f"{args.name}:{hash_password(password)}")
    return 0
