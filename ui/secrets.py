"""Provider keys and settings from `.streamlit/secrets.toml`, as environment variables.

Streamlit itself copies the top-level values of secrets.toml into the
environment when the server starts; this does the same for any run that
reaches the app first (tests, a reload after the file was added) and, more
importantly, registers every credential among them with `core.secrets`, so
their exact values are scrubbed from errors and logs. Nothing is logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import streamlit as st

from core.secrets import looks_like_credential, register_secret

# Values in secrets.toml [auth] that are credentials (Streamlit's OIDC settings).
_AUTH_CREDENTIALS = ("client_secret", "cookie_secret")


def load_secrets() -> None:
    if not st.secrets.load_if_toml_exists():
        return
    for name, value in st.secrets.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            os.environ.setdefault(name, str(value))
            if looks_like_credential(name):
                register_secret(str(value))
    auth = st.secrets.get("auth")
    if isinstance(auth, Mapping):
        for section in (auth, *(v for v in auth.values() if isinstance(v, Mapping))):
            for name in _AUTH_CREDENTIALS:
                register_secret(section.get(name))
