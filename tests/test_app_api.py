"""The app as an API: `python app.py` on a free loopback port, called with gradio_client."""

from __future__ import annotations

import pytest

from dawn.page import MODEL_NAMES

N = len(MODEL_NAMES)


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client
    return Client(app_url, verbose=False)


def test_translate_endpoint_takes_source_reference_and_decoding(client):
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    params = info["/translate"]["parameters"]
    assert [p["parameter_name"] for p in params] == ["source", "reference", "decoding"]
    assert "greedy" in str(params[2]) and "beam" in str(params[2])
    assert len(info["/translate"]["returns"]) == 2 * N + 1
    assert {"/translate", "/attention", "/whiteboard"} <= set(info)


@pytest.mark.parametrize("decoding", ["greedy", "beam"])
def test_translate_returns_plain_strings(client, decoding):
    out = client.predict("猫追老鼠。", "The cat is chasing the mouse.", decoding, api_name="/translate")
    assert len(out) == 2 * N + 1 and all(isinstance(s, str) for s in out)
    texts, scores, notes = out[:N], out[N:2 * N], out[-1]
    assert notes == ""
    for name, text, score in zip(MODEL_NAMES, texts, scores):
        assert "**" not in score and "<" not in score and "`" not in score   # no Markdown, no HTML
        assert text.strip(), (name, score)                                  # every model is committed: all answer
        assert score.startswith("BLEU ") and " · chrF " in score and score.endswith(" ms"), (name, score)


def test_decoding_defaults_to_greedy(client):
    assert client.predict("我爱你。", "", api_name="/translate")[0].strip()


def test_no_reference_means_no_score(client):
    out = client.predict("我爱你。", "", "greedy", api_name="/translate")
    assert out[N - 1].strip() and "BLEU" not in out[2 * N - 1] and "no reference" in out[2 * N - 1]


def test_empty_input_is_a_clean_error(client):
    from gradio_client.exceptions import AppError
    with pytest.raises(AppError, match="Please type a Chinese sentence"):
        client.predict("   ", "", "greedy", api_name="/translate")
