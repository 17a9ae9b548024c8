"""Hugging Face hub loading for the two recurrent models, through `huggingface_hub`'s
mixin for plain PyTorch modules:

    model = LSTMAttentionSeq2Seq.from_pretrained("folder")   # or a hub repo id; model.tokenizer comes with it
    model.save_pretrained("folder")                          # weights, config, tokenizer, card, manifest
    model.push_to_hub("USER/code-dawn-2014-lstm-attention")  # the same folder, uploaded

A saved folder is self-contained: `load_translator(folder)` and the app read it as
they read a folder written by training.train. Weights are stored fp16 (half the
size; loading casts back to fp32) and split into shards with the standard
`model.safetensors.index.json` once a file would pass 9 MB, because Spaces refuses
files over 10 MB without LFS. What the folder it came from holds besides the
weights (tokenizer, training.json, train_log.json, metrics.json) travels with the
model, so the card written on save is the full one.
"""

from __future__ import annotations

from pathlib import Path

import torch
from huggingface_hub import PyTorchModelHubMixin, load_torch_model, snapshot_download
from huggingface_hub.utils import HFValidationError, validate_repo_id

from dawn.card import default_code_url, write_model_card
from dawn.checkpoint import REPLAY_FILE, TRAINING, CheckpointError, is_sealed, save_checkpoint
from dawn.tokenizer import TOKENIZER_FILE, PairTokenizer

DOCUMENTS = (TRAINING, "train_log.json", "metrics.json", REPLAY_FILE)  # carried from the folder loaded to the folder saved


def local_folder(name_or_path: str | Path) -> Path:
    """A local folder as it is; a hub repo id ("USER/NAME") that is not a local folder is downloaded
    (once, into the hub cache). Raises CheckpointError, in one line, when the download fails."""
    path = Path(name_or_path)
    if path.exists() or isinstance(name_or_path, Path):
        return path
    try:
        validate_repo_id(str(name_or_path))
    except HFValidationError:
        return path  # not a repo id either: the loader says "no such checkpoint folder"
    try:
        return Path(snapshot_download(str(name_or_path)))
    except Exception as e:  # offline, no such repo, no access: one clear line, not a traceback
        raise CheckpointError(f"{name_or_path}: no such local folder, and the hub repo of that name could not be "
                              f"downloaded ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None


class HubModelMixin(PyTorchModelHubMixin, library_name="code-dawn-2014", pipeline_tag="translation",
                    tags=["translation", "zh", "en"]):
    tokenizer: PairTokenizer | None = None   # set by from_pretrained / load_translator, or by hand
    hub_documents: dict[str, bytes] = {}     # training.json, train_log.json, metrics.json of the folder loaded

    def _save_pretrained(self, save_directory: Path) -> None:
        """Weights, config.json, the tokenizers, the documents and the manifest, as training.train saves
        them (dawn.checkpoint.save_checkpoint), then the full model card."""
        if self.tokenizer is None:
            raise ValueError(f"{type(self).__name__}.save_pretrained: the model has no tokenizer, so the folder could "
                             "not translate; set model.tokenizer = PairTokenizer.load(folder) first")
        save_checkpoint(save_directory, self, self.hub_config(), {**self.tokenizer.to_files(), **self.hub_documents})
        repo_id = getattr(self, "_hub_repo_id", None)  # set while push_to_hub runs: the card names the repo
        write_model_card(save_directory, repo_id=repo_id, code_url=default_code_url(repo_id) if repo_id else None)

    def push_to_hub(self, repo_id: str, **kwargs):
        """As the mixin's, with the card's snippets naming repo_id."""
        self._hub_repo_id = repo_id
        try:
            return super().push_to_hub(repo_id, **kwargs)
        finally:
            del self._hub_repo_id

    @property
    def hub_module(self) -> torch.nn.Module:
        """The module whose weights are stored (the model itself)."""
        return self

    def hub_config(self) -> dict:
        """config.json: the dataclass fields, as the mixin writes them."""
        return self.config.to_dict()

    @classmethod
    def _from_pretrained(cls, *, model_id: str, revision, cache_dir, force_download, local_files_only, token,
                         map_location: str = "cpu", strict: bool = True, **model_kwargs):
        folder = Path(model_id) if Path(model_id).is_dir() else Path(snapshot_download(
            model_id, revision=revision, cache_dir=cache_dir, force_download=force_download,
            local_files_only=local_files_only, token=token))
        model = cls(**model_kwargs)
        load_torch_model(model, folder, strict=strict, map_location=map_location)  # one file or an index of shards
        if (folder / TOKENIZER_FILE).is_file():
            files = {p.name: p.read_bytes() for p in folder.glob("*tokenizer*.json") if is_sealed(p.name)}
            model.tokenizer = PairTokenizer.from_files(files, folder, tgt_vocab_size=model.config.tgt_vocab_size)
        model.hub_documents = {name: (folder / name).read_bytes() for name in DOCUMENTS if (folder / name).is_file()}
        return model.eval()

