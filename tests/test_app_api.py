"""The app as an API: `python app.py` on a free loopback port, called with gradio_client."""

from __future__ import annotations

import re

import pytest

from ui.pipeline import MODEL_NAMES

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
        assert re.fullmatch(r"BLEU [\d.]+ · chrF [\d.]+", score), (name, score)   # the time is the explorer's detail


def test_decoding_defaults_to_greedy(client):
    assert client.predict("我爱你。", "", api_name="/translate")[0].strip()


def test_no_reference_means_no_score(client):
    out = client.predict("我爱你。", "", "greedy", api_name="/translate")
    assert out[N - 1].strip() and "BLEU" not in out[2 * N - 1] and "no reference" in out[2 * N - 1]


def test_empty_input_is_a_clean_error(client):
    from gradio_client.exceptions import AppError
    with pytest.raises(AppError, match="Please type a Chinese sentence"):
        client.predict("   ", "", "greedy", api_name="/translate")


def test_every_translate_output_is_named(client):
    returns = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/translate"]["returns"]
    labels = [r["label"] for r in returns]
    assert not any(label.startswith("value_") for label in labels), labels   # Gradio's name for an unlabelled output
    assert len(set(labels)) == len(labels) == 2 * N + 1
    assert all("scores" in label for label in labels[N:2 * N]) and labels[-1] == "Notes"


def test_attention_documents_its_schema_where_view_api_shows_it(client):
    from dawn.explain import ATTENTION_SCALE
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/attention"]
    doc = info["description"]
    for words in ("cross_attention", "[L][H][T][S]", "encoder_attention", "[L][H][S][S]", "influence", "[T][S]",
                  f"scale (= {ATTENTION_SCALE})", "weight = value / scale", "sentence", "counting from 0"):
        assert words in doc, words
    assert [p["parameter_name"] for p in info["parameters"]] == ["source", "decoding", "sentence"]


def test_attention_explains_one_chosen_sentence(client):
    first = client.predict("猫追老鼠。老鼠跑了。", "greedy", api_name="/attention")         # as before: no index
    second = client.predict("猫追老鼠。老鼠跑了。", "greedy", 1, api_name="/attention")
    assert first["sentences"] == second["sentences"] == ["猫追老鼠。", "老鼠跑了。"]
    assert (first["sentence"], first["source"]) == (0, "猫追老鼠。")
    assert (second["sentence"], second["source"]) == (1, "老鼠跑了。")
    for payload in second["models"].values():
        assert payload["source"] == "老鼠跑了。" and "鼠" in "".join(payload["source_tokens"])


def test_translate_takes_a_paragraph_sentence_by_sentence(client):
    out = client.predict("猫追老鼠。老鼠跑了！我们明天见。", "", "greedy", api_name="/translate")
    assert "3 sentences" in out[-1]
    assert out[N - 1].count(".") + out[N - 1].count("!") + out[N - 1].count("?") >= 2   # the Transformer: several sentences


# ----------------------------------------------------------------------------- the lens, saliency, MCP (issue 37)

def test_lookup_counts_the_training_pairs_that_contain_a_span(client):
    r = client.predict("猫", "zh", api_name="/lookup")
    assert r["side"] == "zh" and r["total"] == sum(r["by_corpus"].values()) > 0 and 0 < len(r["examples"]) <= 5
    for e in r["examples"]:
        assert e["zh"][e["start"]:e["end"]] == "猫" and e["corpus"] in r["by_corpus"] and e["licence"]
    never = client.predict("苏小雨", "zh", api_name="/lookup")
    assert never["total"] == 0 and never["examples"] == [] and "never saw it" in never["note"]
    english = client.predict("Mountain", "en", api_name="/lookup")
    assert english["total"] > 0 and all(e["en"][e["start"]:e["end"]].lower() == "mountain" for e in english["examples"])
    params = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/lookup"]["parameters"]
    assert [p["parameter_name"] for p in params] == ["text", "side"]


def test_attention_returns_saliency_for_every_model(client):
    result = client.predict("猫追老鼠。", "greedy", api_name="/attention")
    assert list(result["models"]) == list(MODEL_NAMES)
    for name, p in result["models"].items():
        T, S = len(p["target_tokens"]), len(p["source_tokens"])
        assert len(p["saliency"]) == T and all(len(row) == S for row in p["saliency"]), name
        assert len(p["words"]["saliency"]) == len(p["words"]["tokens"]), name
        a = p["agreement"]
        assert 0 <= a["saliency_influence"] <= 1 and a["words"] == len(p["words"]["tokens"]), name
        assert (a["attention_saliency"] is None) == (p["cross_attention"] is None), name


MCP_TOOLS = {"translate", "attention", "whatif", "lookup"}     # the four; /whiteboard and /replay may join


def test_the_mcp_schema_lists_the_api_with_its_descriptions_and_no_page_events(app_url):
    import json
    import urllib.request
    with urllib.request.urlopen(app_url + "gradio_api/mcp/schema", timeout=60) as r:
        tools = {t["name"]: t for t in json.loads(r.read())}
    assert MCP_TOOLS <= set(tools) <= MCP_TOOLS | {"whiteboard", "replay"}   # no private page event is a tool
    for name in MCP_TOOLS:
        assert len(tools[name]["description"]) > 40, name
    assert "training pairs" in tools["lookup"]["description"]
    assert set(tools["lookup"]["inputSchema"]["properties"]) == {"text", "side"}
    assert tools["lookup"]["inputSchema"]["properties"]["side"]["description"]
    assert "influence" in tools["attention"]["description"] and "saliency" in tools["attention"]["description"]
    # every parameter of every tool is described (the docstrings' Args:), and translate takes no page state
    for name, tool in tools.items():
        for param, schema in tool["inputSchema"]["properties"].items():
            assert schema.get("description"), (name, param)
    assert set(tools["translate"]["inputSchema"]["properties"]) == {"source", "reference", "decoding"}
    assert "2014 LSTM" in tools["translate"]["description"]


def test_the_mcp_server_starts_without_a_state_input_warning(app_log):
    """A gr.State input would reach every MCP call as its default value (Gradio warns about it at start)."""
    assert "gr.State input" not in app_log.read_text(encoding="utf-8")


def test_an_assistant_can_call_lookup_over_mcp(app_url):
    """One JSON-RPC call over MCP's streamable HTTP transport, as an MCP client sends it."""
    import json
    import urllib.request
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "lookup", "arguments": {"text": "放晴", "side": "zh"}}}
    request = urllib.request.Request(app_url + "gradio_api/mcp/", data=json.dumps(call).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Accept": "application/json, text/event-stream"})
    with urllib.request.urlopen(request, timeout=120) as r:
        events = [json.loads(line[5:]) for line in r.read().decode().splitlines() if line.startswith("data:")]
    result = next(e["result"] for e in events if e.get("id") == 1)
    assert not result["isError"] and "放晴" in result["content"][0]["text"]
