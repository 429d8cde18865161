"""A local Ollama's models appear without configuration."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from core.catalog import load_catalog
from core.ollama import detect_models, ollama_url, with_ollama_models


class _Tags(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"models": [{"name": "qwen3:8b"}, {"name": "llama3.2:3b"}]}).encode()
        self.send_response(200 if self.path == "/api/tags" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_detected_models_join_the_catalog():
    server = HTTPServer(("127.0.0.1", 0), _Tags)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        names = detect_models(url)
    finally:
        server.shutdown()
    assert names == ["llama3.2:3b", "qwen3:8b"]
    catalog = with_ollama_models(load_catalog(), url, names)
    model = catalog.models["ollama/qwen3:8b"]
    assert catalog.is_available(model)
    assert catalog.providers["ollama"].base_url == f"{url}/v1"
    assert model.reasoning  # qwen3 thinks


def test_no_ollama_means_no_change_and_no_wait():
    assert detect_models("http://127.0.0.1:9", timeout=0.3) == []
    catalog = load_catalog()
    assert with_ollama_models(catalog, "http://127.0.0.1:9", []) is catalog


def test_detection_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("OLLAMA_URL", "off")
    assert ollama_url() is None
