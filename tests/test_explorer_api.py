"""/whatif and /replay through `python app.py`, called with gradio_client as any API user would."""

from __future__ import annotations

import pytest
from app_fixtures import CHECKPOINTS


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client
    return Client(app_url, verbose=False)


def test_the_first_html_carries_no_explorer_script_and_no_replay(app_url):
    """The page's first HTML: each explorer is a stub and a <head> line; its script, stylesheet and replay.json
    are static files the browser fetches when a section opens."""
    import json
    import re

    import httpx
    html = httpx.get(app_url, timeout=120).text
    assert "freshState" not in html and ".ax-numtable" not in html          # attention_explorer.js and .css
    assert not re.search(r'"snapshots":\s*\[', html)                         # replay.json
    for name in ("lstm", "lstm_attention", "transformer"):
        if (CHECKPOINTS / name / "replay.json").exists():
            url = re.search(rf'"url":\s*"(/gradio_api/file=[^"]*/{name}/replay\.json\?v=\w+)"', html)[1]
            got = httpx.get(app_url.rstrip("/") + url, timeout=120)
            assert got.status_code == 200 and json.loads(got.text)["snapshots"]


def test_the_endpoints_and_their_parameters(client):
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert [p["parameter_name"] for p in info["/whatif"]["parameters"]] == ["source", "model", "prefix"]
    assert [p["parameter_name"] for p in info["/replay"]["parameters"]] == ["model"]


def test_whatif_continues_a_typed_beginning_and_token_ids(client):
    w = client.predict("猫追老鼠。", "transformer", "A dog", api_name="/whatif")
    assert {"text", "tokens", "log_prob", "cross_attention"} <= set(w)
    assert w["text"].startswith("A dog") and w["log_prob"] < 0 and w["cross_attention"]
    again = client.predict("猫追老鼠。", "transformer", w["ids"][:2], api_name="/whatif")
    assert again["ids"][:2] == w["ids"][:2]
    assert client.predict("猫追老鼠。", "lstm", "A dog", api_name="/whatif")["cross_attention"] is None


@pytest.mark.parametrize("args, message", [
    (("猫追老鼠。", "gpt", "A dog"), "unknown model 'gpt'"),
    (("猫追老鼠。", "transformer", ""), "prefix is empty"),
    (("猫追老鼠。", "transformer", "dog " * 200), "at most"),
    (("", "transformer", "A dog"), "Chinese sentence"),
])
def test_whatif_refuses_bad_input_with_a_message(client, args, message):
    from gradio_client.exceptions import AppError
    with pytest.raises(AppError, match=message):
        client.predict(*args, api_name="/whatif")


def test_replay_answers_or_says_there_is_none(client):
    from gradio_client.exceptions import AppError
    for name in ("lstm", "lstm_attention", "transformer"):
        if (CHECKPOINTS / name / "replay.json").exists():
            r = client.predict(name, api_name="/replay")
            steps = [s["step"] for s in r["snapshots"]]
            assert r["model"] == name and steps == sorted(steps)
        else:
            with pytest.raises(AppError, match=f"no training replay for '{name}'"):
                client.predict(name, api_name="/replay")
    with pytest.raises(AppError, match="unknown model"):
        client.predict("gpt", api_name="/replay")
