"""The catalog: the shipped presets, the minimal form, and every way to get it wrong."""

import pytest

from core.catalog import CatalogError, load_catalog

MINIMAL = """
[providers.local]
base_url = "http://127.0.0.1:8000/v1"
api_key_env = "LOCAL_API_KEY"   # optional: local servers need no key

[models.local-r1]
label = "Local R1"
reasoning = true
routes = [{ provider = "local", model = "deepseek-reasoner" }]
"""


def write(tmp_path, text):
    path = tmp_path / "models.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_form_from_the_docs_works_without_a_key(tmp_path):
    catalog = load_catalog(write(tmp_path, MINIMAL))
    model = catalog.models["local-r1"]
    assert model.label == "Local R1" and model.reasoning
    assert model.routes[0].model == "deepseek-reasoner"
    assert catalog.is_available(model)  # a loopback server needs no key
    assert catalog.default_model == "local-r1"


def test_models_file_environment_variable_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELS_FILE", str(write(tmp_path, MINIMAL)))
    assert list(load_catalog().models) == ["local-r1"]


def test_shipped_catalog_has_demos_and_presets():
    catalog = load_catalog()
    demo = catalog.models["demo-thinker"]
    assert demo.reasoning and catalog.is_available(demo)
    assert not catalog.models["demo-swift"].reasoning
    assert catalog.model(demo.fallback) is catalog.models["demo-swift"]
    for provider in (
        "deepseek",
        "hunyuan",
        "siliconflow",
        "dashscope",
        "ark",
        "openrouter",
        "openai",
    ):
        assert provider in catalog.providers
    assert len(catalog.models["deepseek-r1"].routes) >= 3  # one model, several clouds
    assert catalog.models["deepseek-v4-flash"].has_thinking_switch


def test_cloud_preset_without_key_is_listed_as_unavailable_with_its_fix(monkeypatch):
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    catalog = load_catalog()
    model = catalog.models["deepseek-v4-flash"]
    assert not catalog.is_available(model)
    assert catalog.missing_keys(model) == ["DEEPSEEK_API_KEY"]
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test-0000")
    assert catalog.is_available(model)


def test_keys_never_live_on_catalog_objects(monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-secret-value-123456")
    catalog = load_catalog()
    assert "sk-secret-value-123456" not in repr(catalog)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[models.x\nlabel = 1", "not valid TOML"),
        (MINIMAL + "\n[models.local-r1]\nlabel = 'again'\n", "not valid TOML"),
        (
            MINIMAL.replace('provider = "local"', 'provider = "nowhere"'),
            "unknown provider 'nowhere'",
        ),
        (MINIMAL.replace("reasoning = true", "reasonning = true"), "unknown field(s) reasonning"),
        (MINIMAL + 'fallback = "ghost"\n', "fallback 'ghost' is not a model id"),
        (
            MINIMAL.replace('base_url = "http://127.0.0.1:8000/v1"', 'base_url = "ftp://x"'),
            "base_url",
        ),
        (MINIMAL.replace("routes = [", "routes = []\n#"), "needs routes"),
        ('[providers.a]\nbase_url="http://127.0.0.1/v1"\n', "no [models.<id>] defined"),
        (MINIMAL + "\n[policy]\nmax_attempts = -1\n", "max_attempts must be a non-negative number"),
        (MINIMAL.replace("[providers.local]", "[providers.local]\nmax_concurrency = 0"), "≥ 1"),
    ],
)
def test_malformed_catalog_names_file_and_problem(tmp_path, text, problem):
    path = write(tmp_path, text)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)


def test_duplicate_route_is_refused(tmp_path):
    text = MINIMAL.replace(
        'routes = [{ provider = "local", model = "deepseek-reasoner" }]',
        'routes = [{ provider = "local", model = "a" }, { provider = "local", model = "a" }]',
    )
    with pytest.raises(CatalogError, match="same route"):
        load_catalog(write(tmp_path, text))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CatalogError, match="file not found"):
        load_catalog(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("providers = 3\n" + MINIMAL.split("[providers.local]")[0], "[providers] must be a table"),
        ("[providers]\nlocal = 3\n", "[providers.local] must be a table"),
        (MINIMAL + "\nwhatever = 1\n", "model 'local-r1': unknown field(s) whatever"),
        ("oops = 1\n" + MINIMAL, "unknown top-level section(s): oops"),
        (MINIMAL.replace("reasoning = true", 'reasoning = "yes"'), "reasoning must be true or"),
        (MINIMAL.replace('label = "Local R1"', "label = 7"), "label must be text in quotes"),
        (
            MINIMAL.replace('model = "deepseek-reasoner" }', 'modle = "x" }'),
            "model 'local-r1', route 1: unknown field(s) modle",
        ),
        (MINIMAL.replace("routes = [{", 'routes = ["local", {'), "route 1: must be an inline"),
        (MINIMAL.replace("routes = [", "#"), "needs routes"),
        (MINIMAL + "thinking_switch = { on = {} }\n", "thinking_switch needs 'enabled'"),
        (MINIMAL + "\n[policy]\nmax_attempts = true\n", "[policy]: max_attempts must be a non-"),
        (MINIMAL + "\n[policy]\nretries = 2\n", "[policy]: unknown field(s) retries"),
        (MINIMAL + "\n[providers.d]\nkind = 'cloud'\n", "kind must be 'openai' or 'demo', not"),
        (MINIMAL.replace("[providers.local]", "[providers.local]\nheaders = 'x'"), "headers must"),
    ],
)
def test_every_shape_error_is_said_in_the_files_terms(tmp_path, text, problem):
    path = write(tmp_path, text)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert problem in caught.value.problem


def test_policy_values_keep_their_types(tmp_path):
    catalog = load_catalog(write(tmp_path, MINIMAL + "\n[policy]\nmax_attempts = 3.0\n"))
    assert catalog.policy.max_attempts == 3 and isinstance(catalog.policy.max_attempts, int)
    assert catalog.policy.base_delay_s == 1.0  # not given: the default


def test_every_policy_setting_can_be_written_in_the_file(tmp_path):
    from dataclasses import fields

    from core.catalog import Policy

    lines = "\n".join(f"{field.name} = 7" for field in fields(Policy))
    catalog = load_catalog(write(tmp_path, MINIMAL + "\n[policy]\n" + lines + "\n"))
    assert all(getattr(catalog.policy, field.name) == 7 for field in fields(Policy))
