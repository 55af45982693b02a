"""The eight MT-Opt tasks on the RGB-Stacking scene, as predicates over a final state.

Final-state mapping read by the predicates (world frame, metres):
  '<colour>/position'     [3]  centre of object <colour> in {red, green, blue}
  '<colour>/half_height'  []   half of the object's height
  'floor_height'          []   height of the basket floor (resting objects'
                               bottom height)
  'tcp/position'          [3]  gripper pinch point
  'gripper/grasped'       []   bool, the Robotiq flag reads an inward grasp (both pads
                               pressed on something other than each other)

`final_state_from_observation` builds this mapping from an environment
observation (privileged/reward_state); `final_state_from_simulation` from the
live physics. The reward state carries no half-height for green, so the
observation path takes it from the scene at the episode's (chain's) reset
(`scene_half_heights`, stored with each episode as metadata `object_half_heights`).

Thresholds: an object is reached (extra tasks 'reach-<colour>') when the pinch
point is within 3 cm of its centre; an object is lifted when its bottom is at least 5 cm above the
floor; X is placed on Y when X is within 3 cm of Y in xy and X's bottom is
within 1 cm of Y's top. stack_leave (the CHEF main task) is red placed on
blue, released, with the gripper 10 +- 3 cm above red's centre.
"""

import itertools
from typing import Mapping

import numpy as np

from chef.mtopt.tasks import FinalState, TaskFamily, TaskSpec
from rgb_stacking_env.rewards import BASKET_FLOOR_Z, INWARD_GRASP, REWARD_STATE_KEY, RewardState

COLOURS = ("red", "green", "blue")
LIFT_HEIGHT = 0.05
PLACE_XY_TOLERANCE = 0.03
PLACE_Z_TOLERANCE = 0.01
LEAVE_HEIGHT = 0.10
LEAVE_TOLERANCE = 0.03
REACH_DISTANCE = 0.03
ACQUISITION = "acquisition"
PLACEMENT = "placement"


def _bottom(state: FinalState, colour: str) -> float:
    return float(np.asarray(state[f"{colour}/position"])[2] - state[f"{colour}/half_height"])


def _top(state: FinalState, colour: str) -> float:
    return float(np.asarray(state[f"{colour}/position"])[2] + state[f"{colour}/half_height"])


def is_lifted(state: FinalState, colour: str) -> bool:
    return _bottom(state, colour) >= float(state["floor_height"]) + LIFT_HEIGHT


def is_placed_on(state: FinalState, top: str, bottom: str) -> bool:
    xy_gap = np.linalg.norm(np.asarray(state[f"{top}/position"])[:2] - np.asarray(state[f"{bottom}/position"])[:2])
    z_gap = abs(_bottom(state, top) - _top(state, bottom))
    return bool(xy_gap <= PLACE_XY_TOLERANCE and z_gap <= PLACE_Z_TOLERANCE)


def is_reached(state: FinalState, colour: str) -> bool:
    """The pinch point within `REACH_DISTANCE` of the object's centre, where a grasp closes."""
    gap = np.asarray(state["tcp/position"]) - np.asarray(state[f"{colour}/position"])
    return bool(np.linalg.norm(gap) <= REACH_DISTANCE)


def is_stacked_and_left(state: FinalState) -> bool:
    tcp_above_red = float(np.asarray(state["tcp/position"])[2] - np.asarray(state["red/position"])[2])
    return (
        is_placed_on(state, "red", "blue")
        and not bool(state["gripper/grasped"])
        and abs(tcp_above_red - LEAVE_HEIGHT) <= LEAVE_TOLERANCE
    )


def _lift(colour: str) -> TaskSpec:
    return TaskSpec(f"lift-{colour}", ACQUISITION, lambda s: is_lifted(s, colour))


def _reach(colour: str) -> TaskSpec:
    return TaskSpec(f"reach-{colour}", ACQUISITION, lambda s: is_reached(s, colour))


def _place(top: str, bottom: str) -> TaskSpec:
    return TaskSpec(f"place-{top}-on-{bottom}", PLACEMENT, lambda s: is_placed_on(s, top, bottom))


def task_from_name(name: str) -> TaskSpec:
    """'lift-<colour>', 'reach-<colour>' or 'place-<colour>-on-<colour>' as a task: new tasks are new
    names."""
    if name.startswith("lift-") and name.removeprefix("lift-") in COLOURS:
        return _lift(name.removeprefix("lift-"))
    if name.startswith("reach-") and name.removeprefix("reach-") in COLOURS:
        return _reach(name.removeprefix("reach-"))
    if name.startswith("place-") and "-on-" in name:
        top, bottom = name.removeprefix("place-").split("-on-", 1)
        if top in COLOURS and bottom in COLOURS and top != bottom:
            return _place(top, bottom)
    raise ValueError(
        f"cannot build task {name!r}; names are 'lift-<c>', 'reach-<c>' or 'place-<c1>-on-<c2>' with colours {COLOURS}"
    )


def rgb_task_family(extra_tasks: tuple[str, ...] = ()) -> TaskFamily:
    """lift-any, lift-{red,green,blue} (acquisition); place-any,
    place-{red,green}-on-blue, stack_leave (placement); then `extra_tasks`
    (names for `task_from_name`)."""
    pairs = list(itertools.permutations(COLOURS, 2))
    return TaskFamily(
        [
            TaskSpec("lift-any", ACQUISITION, lambda s: any(is_lifted(s, c) for c in COLOURS)),
            *(_lift(c) for c in COLOURS),
            TaskSpec("place-any", PLACEMENT, lambda s: any(is_placed_on(s, a, b) for a, b in pairs)),
            _place("red", "blue"),
            _place("green", "blue"),
            TaskSpec("stack_leave", PLACEMENT, is_stacked_and_left),
            *(task_from_name(name) for name in extra_tasks),
        ]
    )


def resting_half_heights(first_observation: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Half-heights of the three objects at the episode start, where they rest on the floor."""
    state = RewardState.from_vector(first_observation[REWARD_STATE_KEY])
    positions = {"red": state.red_pos, "green": state.green_pos, "blue": state.blue_pos}
    return {c: float(positions[c][2] - BASKET_FLOOR_Z) for c in COLOURS}


def scene_half_heights(simulation) -> tuple[float, ...]:
    """[3] the objects' half-heights along world z (red, green, blue), from the scene's geometry in
    its current orientation (`rgb_stacking_env.simulation.Simulation.object_extent`)."""
    return tuple(float(simulation.object_extent(i)[1]) for i in range(len(COLOURS)))


def final_state_from_observation(observation: Mapping[str, np.ndarray], green_half_height: float) -> FinalState:
    """The final-state mapping of one environment observation (unbatched).

    `green_half_height` is green's at the episode's reset (`scene_half_heights`).
    """
    state = RewardState.from_vector(observation[REWARD_STATE_KEY])
    return {
        "red/position": state.red_pos,
        "green/position": state.green_pos,
        "blue/position": state.blue_pos,
        "red/half_height": float(state.red_half_height),
        "green/half_height": float(green_half_height),
        "blue/half_height": float(state.blue_half_height),
        "floor_height": BASKET_FLOOR_Z,
        "tcp/position": state.pinch_pos,
        "gripper/grasped": bool(state.grasp == INWARD_GRASP),
    }


def final_state_from_simulation(simulation) -> FinalState:
    """The final-state mapping of a live `rgb_stacking_env.simulation.Simulation`."""
    extents = {c: simulation.object_extent(i) for i, c in enumerate(COLOURS)}
    grasp = simulation.grasp(simulation.contact_pairs())
    return {
        **{f"{c}/position": np.asarray(extents[c][0]) for c in COLOURS},
        **{f"{c}/half_height": float(extents[c][1]) for c in COLOURS},
        "floor_height": BASKET_FLOOR_Z,
        "tcp/position": simulation.data.site_xpos[simulation.scene.pinch_site].copy(),
        "gripper/grasped": bool(grasp == INWARD_GRASP),
    }
