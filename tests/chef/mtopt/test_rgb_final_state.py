import numpy as np
import pytest

import rgb_stacking_env
from chef.mtopt import rgb_tasks
from chef.mtopt.bootstrap import NoisyPickPlace


@pytest.fixture(scope="module")
def env():
    return rgb_stacking_env.make(object_set="1", observation_set="state", seed=0, episode_length=1000)


def test_final_state_from_observation_matches_simulation(env):
    first = env.reset()
    timestep = first
    for _ in range(5):
        timestep = env.step(np.array([0.05, 0.0, -0.05, 0.0, 1.0], np.float32))
    green_half = rgb_tasks.resting_half_heights(first.observation)["green"]
    from_obs = rgb_tasks.final_state_from_observation(timestep.observation, green_half)
    from_sim = rgb_tasks.final_state_from_simulation(env.simulation)
    assert set(from_obs) == set(from_sim)
    for key in from_sim:
        np.testing.assert_allclose(
            np.asarray(from_obs[key], float), np.asarray(from_sim[key], float), atol=1e-4, err_msg=key
        )
    # Objects rest on the floor at the start: nothing is lifted or placed.
    assert not any(rgb_tasks.rgb_task_family().success_labels(from_sim).values())


def test_scripted_pick_lifts_the_chosen_object(env):
    timestep = env.reset()
    policy = NoisyPickPlace(0.0, 0.0, np.random.default_rng(0))
    policy.reset(timestep.observation)
    policy.start_pick("green")
    for _ in range(220):  # ~130 steps to lift off at the reference's speed limits, then up to the carry height
        timestep = env.step(policy(timestep.observation))
    labels = rgb_tasks.rgb_task_family().success_labels(rgb_tasks.final_state_from_simulation(env.simulation))
    assert {t for t, ok in labels.items() if ok} == {"lift-any", "lift-green"}


def _final_state(red, green, blue, half_height: float, tcp=(0.0, 0.0, 0.0)) -> dict:
    """A final-state mapping (rgb_tasks' module docstring) with the gripper open, on the 5 cm floor."""
    positions = {"red": red, "green": green, "blue": blue}
    return {
        **{f"{c}/position": np.array(p) for c, p in positions.items()},
        **{f"{c}/half_height": half_height for c in positions},
        "floor_height": 0.05,
        "tcp/position": np.array(tcp),
        "gripper/grasped": False,
    }


def test_new_tasks_from_names():
    family = rgb_tasks.rgb_task_family(("place-blue-on-red", "place-red-on-green"))
    assert family.names[-2:] == ("place-blue-on-red", "place-red-on-green")
    assert family.task("place-blue-on-red").skill == rgb_tasks.PLACEMENT
    state = _final_state(red=(0.6, 0.0, 0.07), green=(0.5, 0.0, 0.07), blue=(0.6, 0.01, 0.11), half_height=0.02)
    labels = family.success_labels(state)
    assert labels["place-blue-on-red"] and not labels["place-red-on-blue"] and not labels["place-red-on-green"]
    with pytest.raises(ValueError, match="cannot build task 'place-red-on-red'"):
        rgb_tasks.task_from_name("place-red-on-red")
    with pytest.raises(ValueError, match="Duplicate task names"):
        rgb_tasks.rgb_task_family(("lift-red",))


def test_reach_tasks_hold_where_the_pinch_is_at_the_object():
    family = rgb_tasks.rgb_task_family(("reach-red", "reach-blue"))
    assert family.task("reach-red").skill == rgb_tasks.ACQUISITION
    state = _final_state(
        red=(0.6, 0.0, 0.075), green=(0.4, 0.0, 0.075), blue=(0.5, 0.1, 0.075), half_height=0.025, tcp=(0.6, 0.02, 0.08)
    )  # The pinch 2.1 cm from red's centre.
    labels = family.success_labels(state)
    assert labels["reach-red"] and not labels["reach-blue"] and not labels["lift-red"]
    state["tcp/position"] = np.array([0.6, 0.0, 0.11])  # 3.5 cm above red's centre.
    assert not family.success_labels(state)["reach-red"]
    with pytest.raises(ValueError, match="cannot build task 'reach-purple'"):
        rgb_tasks.task_from_name("reach-purple")
