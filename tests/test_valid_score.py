"""lab.experiments.valid_score: a saved checkpoint scored on its own run's validation data, as training scored it."""

import json

import pytest

from tiny_corpus import make_pairs, train_args, write_test_set, write_tsv

pytestmark = pytest.mark.usefixtures("datasets_cache")


@pytest.fixture(scope="module")
def trained(tmp_path_factory, datasets_cache):
    """A tiny LSTM trained for three epochs on a corpus named cmn (so the narrative slice has comma chains)."""
    from training.train import main
    d = tmp_path_factory.mktemp("valid_score")
    corpus = write_tsv(d / "cmn.tsv", make_pairs())
    write_test_set(d / "tests" / "t", ["他有鱼。"], ["A sentence that is not in the corpus."])
    assert main(train_args("lstm", corpus, d / "tests", d / "lstm", "--epochs", "3", "--lr", "0.01",
                           "--precision", "fp32", "--snapshots", "0",
                           "--valid-bleu-sentences", "5")) == 0  # 5 of the 9 valid pairs
    return d / "lstm"


def test_a_checkpoint_scores_as_its_best_epoch_did_in_training(trained):
    from lab.experiments.valid_score import score_checkpoint
    log = json.loads((trained / "train_log.json").read_text())
    best = next(h for h in log["history"] if h["epoch"] == log["best_epoch"])
    scores = score_checkpoint(str(trained))
    assert scores["model"] == "lstm"
    assert scores["valid_sentences"] == 5                   # the run's --valid-bleu-sentences, read from training.json
    assert scores["narrative_sentences"] == sum(log["narrative_valid"].values()) > 0
    # the saved weights are the best epoch's (stored at half precision): the same scores, up to that rounding
    assert scores["valid_loss"] == pytest.approx(best["valid_loss"], abs=0.02)
    for key in ("valid_bleu", "valid_bleu_tatoeba", "valid_bleu_narrative"):
        assert scores[key] == pytest.approx(best[key], abs=1.0), key
    assert scores["choosing_score"] == round((scores["valid_bleu"] + scores["valid_bleu_narrative"]) / 2, 2)


def test_recipe_row_gains_the_scores_and_a_missing_row_is_refused(trained, tmp_path, monkeypatch, capsys):
    from lab.experiments.valid_score import main
    monkeypatch.chdir(tmp_path)
    (tmp_path / "checkpoints").mkdir()
    path = tmp_path / "checkpoints" / "lstm_recipes.json"
    path.write_text(json.dumps({"note": "…", "runs": [{"run": "old", "valid_bleu": 1.0}, {"run": "other"}]}))
    assert main([str(trained), "--recipe-row", "old"]) == 0
    printed = json.loads(capsys.readouterr().out)[0]
    old, other = json.loads(path.read_text())["runs"]
    assert old["valid_bleu"] == 1.0                          # what the run recorded stays
    assert (old["valid_bleu_narrative"], old["choosing_score"]) == (printed["valid_bleu_narrative"],
                                                                    printed["choosing_score"])
    assert old["scored_later"]["command"].startswith("python -m lab.experiments.valid_score ")
    assert old["scored_later"]["valid_loss"] == printed["valid_loss"] and other == {"run": "other"}
    before = path.read_text()
    assert main([str(trained), "--recipe-row", "missing"]) == 2
    assert "no row 'missing'" in capsys.readouterr().err and path.read_text() == before


def test_a_folder_that_is_not_a_checkpoint_gets_a_message(tmp_path, capsys):
    from lab.experiments.valid_score import main
    assert main([str(tmp_path / "nothing")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
