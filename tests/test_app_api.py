"""The app as an API: `python app.py` on a free loopback port, called with gradio_client."""

from __future__ import annotations

import pytest

from dawn.demo import MESSAGE_EMPTY


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client
    return Client(app_url, verbose=False)


def test_translate_endpoint_takes_exactly_source_and_reference(client):
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/translate"]
    assert [p["parameter_name"] for p in info["parameters"]] == ["source", "reference"]


def test_translate_returns_both_translations(client):
    lstm, transformer, lstm_scores, transformer_scores, note = client.predict(
        "猫追老鼠。", "The cat is chasing the mouse.", api_name="/translate")
    for text in (lstm, transformer):
        assert isinstance(text, str) and text.strip()
    assert "BLEU" in lstm_scores and "chrF" in transformer_scores and "ms" in transformer_scores
    assert note == ""


def test_empty_input_gets_a_friendly_message(client):
    lstm, transformer, lstm_scores, transformer_scores, note = client.predict("   ", "", api_name="/translate")
    assert (lstm, transformer) == ("", "")
    assert note == MESSAGE_EMPTY and "请输入" in note and "Please" in note


def test_no_reference_means_no_score(client):
    _, transformer, _, transformer_scores, _ = client.predict("我爱你。", "", api_name="/translate")
    assert transformer.strip()
    assert "BLEU" not in transformer_scores and "no reference" in transformer_scores
