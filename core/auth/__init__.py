"""Who is using the app: no login, accounts kept by the app, or single sign-on.

`settings` reads the configuration, `passwords` hashes with Argon2id, and
`accounts` signs people up and in (with throttling) and maps single sign-on
identities onto users. None of it imports Streamlit: ui/auth.py is the glue.
"""
