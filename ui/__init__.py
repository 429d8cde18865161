"""Streamlit components shared by the pages: the only code besides pages/ that
imports Streamlit. Each module renders one thing from `core` state."""
