"""Create an account from the command line (when sign-up is switched off).

python -m core.auth add-user alice            # asks for the password
python -m core.auth add-user alice --admin

It reads the same settings as the app (the environment, then `.env`):
DATABASE_URL chooses the database. The account is an admin only with
--admin; ADMINS, when set, still decides at each sign-in.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from core.auth.accounts import AuthRefused, create_password_account
from core.auth.settings import AuthConfigError, auth_settings
from core.env_file import load_env_file
from core.errors import StorageError
from core.i18n import Translator
from core.store import open_store
from core.store.db import database_url
from core.store.users import ADMIN, USER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.auth")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-user", help="create an account with a password")
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="make the account an admin")
    add.add_argument("--name", default="", help="display name")
    args = parser.parse_args(argv)
    load_env_file()
    try:
        settings = auth_settings()
        open_store()
    except AuthConfigError as problem:
        print(f"Setting {problem}; nothing was created.", file=sys.stderr)
        return 1
    except StorageError as problem:
        print(f"The database cannot be opened: {problem.detail}", file=sys.stderr)
        return 1
    try:
        password = read_password(args.username)
    except (EOFError, KeyboardInterrupt):
        print("\nNo password given; nothing was created.", file=sys.stderr)
        return 1
    if password is None:
        print("The two passwords differ; nothing was created.", file=sys.stderr)
        return 1
    try:
        user = create_password_account(
            settings,
            args.username,
            password,
            display_name=args.name,
            role=ADMIN if args.admin else USER,
        )
    except AuthRefused as refused:
        reason = Translator("en")(f"errors.{refused.kind}", detail=refused.detail)
        print(f"Not created: {reason}", file=sys.stderr)
        return 1
    print(f"Created {user.username} ({user.role}) in {_where(database_url())}.")
    return 0


def read_password(username: str) -> str | None:
    """Asked twice on the terminal; or one line on standard input when it is not a
    terminal (scripts: `printf '%s\\n' "$PASSWORD" | python -m core.auth add-user …`)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"Password for {username}: ")
    return password if getpass.getpass("Again: ") == password else None


def _where(url: str) -> str:
    """The database, without a password that a URL may carry."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


if __name__ == "__main__":
    sys.exit(main())
