"""The `.env` file, loaded before any setting is read.

Settings are read from the environment (AUTH_MODE, ADMINS, DATABASE_URL,
keys…). If `.env` were loaded later, the first run after a restart would
see none of it: once, that meant AUTH_MODE=none and an admin menu for the
first visitor. The file is looked for in the working directory, then next
to app.py; variables already set in the environment win over either.
"""

from __future__ import annotations

from pathlib import Path

from dotenv import load_dotenv

APP_DIR = Path(__file__).resolve().parent.parent


def load_env_file() -> None:
    for directory in dict.fromkeys((Path.cwd(), APP_DIR)):
        if (directory / ".env").is_file():
            load_dotenv(directory / ".env", override=False)
