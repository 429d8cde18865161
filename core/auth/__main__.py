"""Create an account from the command line (when sign-up is switched off).

python -m core.auth add-user alice            # asks for the password
python -m core.auth add-user alice --admin
"""

from __future__ import annotations

import argparse
import getpass
import sys

from core.auth.accounts import AuthRefused, create_password_account
from core.auth.settings import auth_settings
from core.store import open_store
from core.store.users import ADMIN


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.auth")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-user", help="create an account with a password")
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="make the account an admin")
    add.add_argument("--name", default="", help="display name")
    args = parser.parse_args(argv)
    open_store()
    password = getpass.getpass(f"Password for {args.username}: ")
    if getpass.getpass("Again: ") != password:
        print("The two passwords differ; nothing was created.", file=sys.stderr)
        return 1
    try:
        user = create_password_account(
            auth_settings(),
            args.username,
            password,
            display_name=args.name,
            role=ADMIN if args.admin else None,
        )
    except AuthRefused as refused:
        print(f"Not created: {refused.kind} {refused.detail}".strip(), file=sys.stderr)
        return 1
    print(f"Created {user.username} ({user.role}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
