"""Metrics land in JSONL and, by default, in TensorBoard event files readable by TensorBoard."""

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util

from chef.utils import metrics


def test_numeric_metrics_are_tensorboard_scalars_by_default(tmp_path):
    writer = metrics.MetricsWriter(tmp_path, "learner")
    writer.write(10, {"critic_loss": 0.5, "per_task": [1.0, 2.0], "label": "x"})
    writer.write(20, {"critic_loss": 0.25, "policy_loss": float("nan")})
    # Flushed per write: readable before close, as for a process that is killed.
    accumulator = event_accumulator.EventAccumulator(str(tmp_path / "tensorboard" / "learner"))
    accumulator.Reload()
    scalars = accumulator.Tags()["tensors"]  # TF2 summaries are stored as tensors.
    assert "critic_loss" in scalars and "policy_loss" not in scalars and "per_task" not in scalars
    events = accumulator.Tensors("critic_loss")
    assert [e.step for e in events] == [10, 20]
    assert [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events] == [0.5, 0.25]
    writer.close()
    assert [r["step"] for r in metrics.read_metrics(tmp_path / "learner.jsonl")] == [10, 20]


def test_tensorboard_can_be_turned_off(tmp_path):
    writer = metrics.MetricsWriter(tmp_path, "actor_0", tensorboard=False)
    writer.write(1, {"x": 1.0})
    writer.close()
    assert not (tmp_path / "tensorboard").exists()
