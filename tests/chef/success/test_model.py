import jax
import numpy as np
import pytest

from chef.success import model as model_lib


def test_detector_logits_per_task_match_all_task_logits():
    images = np.random.default_rng(0).uniform(size=(2, 3, 16, 16, 3)).astype(np.float32)
    model = model_lib.SuccessDetector(num_tasks=4, conv_channels=(8,), embedding_size=16, hidden_sizes=(16,))
    params = model.init(jax.random.PRNGKey(0), images, np.zeros(2, np.int32))
    all_logits = model_lib.all_task_logits(model, params, images)  # [B, T]
    assert all_logits.shape == (2, 4)
    for task in range(4):
        np.testing.assert_allclose(
            all_logits[:, task], model.apply(params, images, np.full(2, task)), rtol=1e-5, atol=1e-6
        )
    assert np.ptp(np.asarray(all_logits[0])) > 0  # The task id changes the prediction.


def test_stack_cameras_orders_by_key():
    observation = {"b/pixels": np.ones((2, 4, 4, 3), np.uint8), "a/pixels": np.zeros((2, 4, 4, 3), np.uint8)}
    stacked = model_lib.stack_cameras(observation, ["b/pixels", "a/pixels"])
    assert stacked.shape == (2, 2, 4, 4, 3) and stacked[:, 0].min() == 1 and stacked[:, 1].max() == 0
    with pytest.raises(KeyError, match="lacks camera"):
        model_lib.stack_cameras(observation, ["c/pixels"])
