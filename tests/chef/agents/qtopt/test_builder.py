import jax
import numpy as np

from chef import types
from chef.agents.qtopt.builder import QtOptBuilder
from chef.agents.qtopt.config import CemConfig, QtOptConfig

ACTION_MIN, ACTION_MAX = np.array([-1.0, 0.0], np.float32), np.array([1.0, 0.5], np.float32)
CONFIG = QtOptConfig(
    observation_keys=("x",),
    num_tasks=2,
    torso_hidden_sizes=(8,),
    head_hidden_sizes=(8,),
    cem=CemConfig(num_samples=8, num_elites=2),
)


class ClosedUntilStep:
    """Batches that refuse to be read until `opened` is set (just before the learner's first step)."""

    def __init__(self):
        self.opened, self.reads = False, 0
        self._rng = np.random.default_rng(0)

    def __iter__(self):
        return self

    def __next__(self) -> types.Transition:
        if not self.opened:
            raise AssertionError("the batch iterator was read before the first step()")
        self.reads += 1
        observation = {"x": self._rng.normal(size=(4, 3)).astype(np.float32)}  # [B, F]
        return types.Transition(
            observation,
            self._rng.uniform(ACTION_MIN, ACTION_MAX, (4, 2)).astype(np.float32),
            np.array([1, 0, 1, 0], np.float32),
            np.full(4, 0.9, np.float32),
            observation,
            extras={"task_id": np.array([0, 1, 1, 0], np.int32)},
        )


def test_learner_and_actor_are_built_from_the_example_observation_without_reading_batches():
    builder = QtOptBuilder(CONFIG, ACTION_MIN, ACTION_MAX)
    network = builder.make_network()
    batches = ClosedUntilStep()
    learner = builder.make_learner(network, batches, {"x": np.zeros(3, np.float32)}, jax.random.PRNGKey(0))
    actor = builder.make_actor(network, learner, task_id=1, epsilon=0.0, seed=0)
    action = actor.select_action({"x": np.ones(3, np.float32)})
    assert learner.network is network and batches.reads == 0
    assert action.shape == (2,) and np.all(action >= ACTION_MIN) and np.all(action <= ACTION_MAX)

    batches.opened = True
    before = learner.get_variables(["q_network"])[0]
    learner.step()
    assert batches.reads == 1
    actor.update()
    changed = jax.tree_util.tree_map(lambda a, b: not np.array_equal(a, b), before, actor._params)
    assert any(jax.tree_util.tree_leaves(changed))
