"""Web search (联网搜索): providers, safe page fetching, extraction, grounding.

See docs/web-search.md. The worker's generation calls `grounding.WebGrounding`
before the model; pages render what `results.WebSources` stored.
"""
