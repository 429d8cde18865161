"""Model and provider names and descriptions in the reader's language."""

import pytest

from core.catalog import CatalogError, load_catalog, localized
from tests.test_catalog import MINIMAL, write

BILINGUAL = MINIMAL.replace(
    'label = "Local R1"',
    'label = { en = "Local R1", zh = "本地 R1" }\n'
    'description = { en = "A model on this machine.", zh = "这台电脑上的模型。" }',
).replace(
    'api_key_env = "LOCAL_API_KEY"',
    'api_key_env = "LOCAL_API_KEY"\nlabel = { en = "My server", zh = "我的服务器" }',
)


def test_labels_and_descriptions_follow_the_language(tmp_path):
    catalog = load_catalog(write(tmp_path, BILINGUAL))
    model = catalog.models["local-r1"]
    assert (model.label, model.description) == ("Local R1", "A model on this machine.")
    chinese = localized(catalog, "zh")
    assert chinese.models["local-r1"].label == "本地 R1"
    assert chinese.models["local-r1"].description == "这台电脑上的模型。"
    assert chinese.providers["local"].label == "我的服务器"
    english = localized(catalog, "en")
    assert english.models["local-r1"].label == "Local R1"
    assert english.providers["local"].label == "My server"
    # Everything but the text is the same catalog.
    assert chinese.models["local-r1"].routes == model.routes
    assert chinese.default_model == catalog.default_model
    assert chinese.is_available(chinese.models["local-r1"])


def test_one_string_serves_every_language(tmp_path):
    catalog = localized(load_catalog(write(tmp_path, MINIMAL)), "zh")
    assert catalog.models["local-r1"].label == "Local R1"


def test_a_language_missing_from_the_table_shows_english(tmp_path):
    text = MINIMAL.replace('label = "Local R1"', 'label = { en = "Local R1" }')
    catalog = localized(load_catalog(write(tmp_path, text)), "zh")
    assert catalog.models["local-r1"].label == "Local R1"


@pytest.mark.parametrize("label", ["{}", "{ en = 3 }", "3"])
def test_a_label_that_is_neither_text_nor_a_table_of_texts_is_refused(tmp_path, label):
    text = MINIMAL.replace('label = "Local R1"', f"label = {label}")
    with pytest.raises(CatalogError) as caught:
        load_catalog(write(tmp_path, text))
    assert "label must be text in quotes or a table" in caught.value.problem


def test_shipped_models_and_providers_read_in_both_languages():
    """Every description in both; names too, but brand names that read the same
    in Chinese (DeepSeek V4 Flash, GPT-4.1 mini) are written once."""
    catalog = load_catalog()
    for model in catalog.models.values():
        assert set(model.descriptions) == {"en", "zh"}, model.id
    for model_id in ("demo-thinker", "demo-swift"):
        labels = catalog.models[model_id].labels
        assert labels["zh"] != labels["en"]
    for provider in catalog.providers.values():
        if provider.is_demo:
            assert set(provider.labels) == {"en", "zh"}, provider.id
    chinese = localized(catalog, "zh")
    for model in chinese.models.values():
        assert model.description != catalog.models[model.id].description, model.id


def test_models_found_on_ollama_read_in_both_languages():
    from core.ollama import with_ollama_models

    found = with_ollama_models(load_catalog(), "http://127.0.0.1:11434", ["qwen3"])
    catalog = localized(found, "zh")
    assert catalog.providers["ollama"].label == "Ollama（本地）"
    assert catalog.models["ollama/qwen3"].description == "本地"
