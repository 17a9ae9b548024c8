"""Data-parallel training on this CPU: 2 processes (gloo) under torchrun and under `accelerate launch`.

Each process trains on its shard of every global batch and DDP averages the gradients, so 2 processes
with the same --batch-tokens take the steps 1 process takes. Dropout off and fp32, the only difference
left is the order of floating-point sums (the batch's tokens split over two processes, then summed):
    losses (as logged, 4 decimals) within 2e-4, weights within 1e-5 (absolute, fp32 state after the run).
Measured on this CPU (tiny Transformer, 2 epochs, 16 steps): equal losses, weights within 2.1e-8.

The processes must form ONE group (world size 2), not two lone processes writing one folder: training.json
records "world_size" and only the main process logs.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file
from tiny_corpus import ROOT

from training.train import STATE_DIR

pytestmark = pytest.mark.usefixtures("datasets_cache")

EXACT = ["--dropout", "0", "--precision", "fp32", "--epochs", "2"]   # nothing random, nothing rounded to bf16
LOSS_TOL, WEIGHT_TOL = 2e-4, 1e-5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(launcher: str, argv: list[str], env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    if launcher == "torchrun":
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    else:  # --multi_gpu launches the processes through torch.distributed.run; --device cpu makes them a gloo group
        accelerate = shutil.which("accelerate", path=os.path.dirname(sys.executable)) or "accelerate"
        cmd = [accelerate, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(_free_port())]
    return subprocess.run([*cmd, "-m", "training.train", *argv, "--device", "cpu"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _losses(out) -> list[tuple[float, float]]:
    return [(h["train_loss"], h["valid_loss"]) for h in json.loads((out / "train_log.json").read_text())["history"]]


def _max_weight_diff(a, b) -> float:
    wa, wb = load_file(a / STATE_DIR / "model.safetensors"), load_file(b / STATE_DIR / "model.safetensors")
    assert wa.keys() == wb.keys()
    return max((wa[k] - wb[k]).abs().max().item() for k in wa)


def test_two_processes_under_torchrun_train_like_one(tmp_path, train_argv, run_train, subprocess_env, capsys):
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_train(train_argv("transformer", one, *EXACT)) == 0
    r = _launch("torchrun", train_argv("transformer", two, *EXACT), subprocess_env)
    assert r.returncode == 0, r.stderr[-3000:]

    # one group of two: the main process alone logs and writes, and it knows of the other
    tr1, tr2 = (json.loads((d / "training.json").read_text()) for d in (one, two))
    assert (tr1["world_size"], tr2["world_size"]) == (1, 2)
    assert r.stderr.count("parameters on cpu, 2 processes") == 1
    assert r.stderr.count("done in") == 1

    # the same steps, the same losses, the same weights
    h1, h2 = (json.loads((d / "train_log.json").read_text())["history"] for d in (one, two))
    assert [h["step"] for h in h1] == [h["step"] for h in h2]
    assert [h["target_tokens"] for h in h1] == [h["target_tokens"] for h in h2]
    l1, l2 = _losses(one), _losses(two)
    assert max(abs(a - b) for x, y in zip(l1, l2) for a, b in zip(x, y)) <= LOSS_TOL, (l1, l2)
    diff = _max_weight_diff(one, two)
    assert diff <= WEIGHT_TOL, diff
    print(f"1 vs 2 processes: losses {l1} vs {l2}; largest weight difference {diff:.2e}")

    # each process keeps its own RNG in the state: resuming with another number of processes is refused
    assert run_train(train_argv("transformer", two, *EXACT, "--resume")) == 2
    assert "world_size was 2, now 1" in capsys.readouterr().err


def test_two_processes_under_accelerate_resume_after_a_kill(tmp_path, train_argv, run_train, subprocess_env):
    """accelerate launch: both processes killed mid-epoch 2 (SIGKILL), then --resume with the same command:
    it redoes the lost steps and ends where 1 process ends (within the tolerances above)."""
    one, interrupted = tmp_path / "one", tmp_path / "interrupted"
    assert run_train(train_argv("lstm", one, *EXACT)) == 0
    per_epoch = json.loads((one / "train_log.json").read_text())["history"][0]["step"]

    argv = train_argv("lstm", interrupted, *EXACT)
    killed = _launch("accelerate", argv, {**subprocess_env, "DAWN_FAULT_KILL_AT_STEP": str(per_epoch + 4)})
    assert killed.returncode != 0
    progress = json.loads((interrupted / STATE_DIR / "progress.json").read_text())
    assert progress["epoch"] == 1 and per_epoch <= progress["step"] < per_epoch + 4
    assert progress["settings"]["world_size"] == 2

    resumed = _launch("accelerate", argv + ["--resume"], subprocess_env)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.stderr.count(f"resumed at epoch 2, batch {progress['batch']}") == 1
    assert json.loads((interrupted / "training.json").read_text())["world_size"] == 2
    l1, l2 = _losses(one), _losses(interrupted)
    assert max(abs(a - b) for x, y in zip(l1, l2) for a, b in zip(x, y)) <= LOSS_TOL, (l1, l2)
    assert _max_weight_diff(one, interrupted) <= WEIGHT_TOL

