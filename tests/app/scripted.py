"""A models.toml whose one model is answered by the tests' scripted local server."""

from __future__ import annotations


def scripted_models_file(tmp_path, server, *, key_env: str = "", policy: str = "") -> str:
    key = f'api_key_env = "{key_env}"\nkey_required = true' if key_env else ""
    path = tmp_path / "models.toml"
    path.write_text(
        f"""
[policy]
max_attempts = 1
base_delay_s = 0.05
retry_budget_s = 1
{policy}

[providers.scripted]
label = "Scripted Cloud"
base_url = "{server.base_url("scripted")}"
{key}

[models.scripted]
label = "Scripted"
context_window = 2000000
max_output_tokens = 1000
routes = [{{ provider = "scripted", model = "m1" }}]
"""
    )
    return str(path)
