"""The README's recipe table: whether a recipe fits the 2-hour CPU budget is judged on the
measured time when the committed weights were trained by the whole recipe on this CPU,
and on training.recipe_time's estimate otherwise."""

from __future__ import annotations

from training.report import recipe_rows


def recipe(estimated_min: float, device: str, epochs_run: int, wall_min: float) -> dict:
    return {"command": "python -m training.train …", "epochs": 12, "target_tokens_per_epoch": [1000] * 12,
            "timed_steps": 60, "target_tokens_per_s": 2500, "validation_s": 15.0,
            "estimated_wall_min": estimated_min,
            "trained_on": {"device": device, "machine": "a machine", "epochs_run": epochs_run, "wall_min": wall_min}}


def row(model_recipe: dict) -> str:
    table = recipe_rows({"machine": "x86_64, 2 CPUs", "torch": "2", "threads": 2,
                         "models": {"transformer": model_recipe}})
    return next(line for line in table if line.startswith("| transformer |"))


def test_a_whole_cpu_run_is_judged_on_its_measured_time():
    assert "| **no** (measured) |" in row(recipe(111.2, "cpu", 12, 125.0))
    assert "| yes (measured) |" in row(recipe(130.0, "cpu", 12, 118.0))


def test_a_gpu_or_partial_run_is_judged_on_the_estimate():
    assert "| yes |" in row(recipe(111.2, "cuda", 8, 6.7))
    assert "| **no** |" in row(recipe(125.0, "cpu", 5, 50.0))  # stopped early: its minutes say nothing
