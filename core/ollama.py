"""Find a local Ollama server at start-up and offer its models.

Ollama serves an OpenAI-compatible API under /v1 and lists installed models at
/api/tags. Detection is a single short request, so a laptop without Ollama
pays a fraction of a second at most once per process.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import replace
from types import MappingProxyType

from core.catalog import Catalog, Model, Provider, Route

DEFAULT_URL = "http://127.0.0.1:11434"


def ollama_url() -> str | None:
    """Where to look, or None when detection is switched off (OLLAMA_URL=off)."""
    url = os.environ.get("OLLAMA_URL", DEFAULT_URL).strip()
    return None if url.lower() in ("", "0", "off", "false", "no") else url.rstrip("/")


def detect_models(url: str, timeout: float = 0.5) -> list[str]:
    """Names of the models the Ollama server at `url` has, or [] if none answers."""
    try:
        with urllib.request.urlopen(f"{url}/api/tags", timeout=timeout) as response:
            payload = json.load(response)
    except (OSError, ValueError, urllib.error.URLError):
        return []
    names = [m.get("name") or m.get("model") for m in payload.get("models", [])]
    return sorted(n for n in names if isinstance(n, str) and n)


def with_ollama_models(catalog: Catalog, url: str, names: list[str]) -> Catalog:
    """The catalog plus one model per detected Ollama model (ids `ollama/<name>`)."""
    if not names:
        return catalog
    providers = dict(catalog.providers)
    provider_id = "ollama"
    if provider_id not in providers:
        providers[provider_id] = Provider(
            id=provider_id,
            label="Ollama (local)",
            labels=MappingProxyType({"en": "Ollama (local)", "zh": "Ollama（本地）"}),
            kind="openai",
            base_url=f"{url}/v1",
            max_concurrency=1,  # one local GPU/CPU: requests queue rather than thrash
        )
    models = dict(catalog.models)
    for name in names:
        model_id = f"ollama/{name}"
        if model_id in models:
            continue
        models[model_id] = Model(
            id=model_id,
            label=f"{name} · Ollama",
            description="local",
            descriptions=MappingProxyType({"en": "local", "zh": "本地"}),
            routes=(Route(provider=provider_id, model=name),),
            # Reasoning is detected from the stream (`reasoning` field or
            # <think> tags), so a thinking model shows its trace either way.
            reasoning=any(tag in name for tag in ("r1", "qwq", "think", "qwen3")),
        )
    return replace(catalog, providers=MappingProxyType(providers), models=MappingProxyType(models))
