"""Everything behind the pages: catalog, generation, resilience, storage.

Nothing in this package imports Streamlit, so every piece can be tested and
benchmarked on its own.
"""
