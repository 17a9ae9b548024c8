"""Hugging Face hub loading for the two recurrent models, through `huggingface_hub`'s
mixin for plain PyTorch modules:

    model.save_pretrained("folder")                       # config.json + fp16 safetensors, sharded ≤ 9 MB
    LSTMAttentionSeq2Seq.from_pretrained("folder")        # or a hub repo id, for users who are online

The mixin writes the model's dataclass config to `config.json`; we only change how
weights are stored: fp16 (half the size; loading casts back to fp32) and split
into shards with the standard `model.safetensors.index.json` once a file would
pass 9 MB, because Spaces refuses files over 10 MB without LFS.
"""

from __future__ import annotations

from pathlib import Path

import torch
from huggingface_hub import PyTorchModelHubMixin, load_torch_model, snapshot_download

from dawn.checkpoint import weight_files, weights_to_store


class HubModelMixin(PyTorchModelHubMixin, library_name="code-dawn-2014", pipeline_tag="translation",
                    tags=["translation", "zh", "en"]):
    def _save_pretrained(self, save_directory: Path) -> None:
        for name, data in weight_files(weights_to_store(self, torch.float16)).items():
            (save_directory / name).write_bytes(data)

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
        folder = model_id if Path(model_id).is_dir() else snapshot_download(
            model_id, revision=revision, cache_dir=cache_dir, force_download=force_download,
            local_files_only=local_files_only, token=token)
        model = cls(**model_kwargs)
        load_torch_model(model, folder, strict=strict, map_location=map_location)  # one file or an index of shards
        return model.eval()
