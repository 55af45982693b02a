"""A hand-built grasp-and-hold check: does a held object slip?

Red lies on its flattest face in the middle of the basket with green and blue
out of the way; the scripted policy approaches, grasps and lifts it (retrying
across the other faces when the grasp squeezes red out), then the arm holds
still with the gripper closed. Slipping shows as red moving relative to the
pinch point during the hold.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from rgb_stacking_env.environment import RgbStackingEnv
from rgb_stacking_env.reset import flattest_orientation, put_object
from rgb_stacking_env.rewards import INWARD_GRASP
from rgb_stacking_env.scene import BASKET_ORIGIN
from rgb_stacking_env.scripted_policy import Phase, ScriptedStackingPolicy

_STILL_OPEN = np.array([0.0, 0.0, 0.0, 0.0, -1.0], np.float32)
_STILL_CLOSED = np.array([0.0, 0.0, 0.0, 0.0, 1.0], np.float32)


@dataclasses.dataclass(frozen=True)
class HoldResult:
    grasp_steps: int  # control steps until the scripted grasp lifted red (CARRY), or the limit
    lifted: bool  # the grasp reached CARRY with an inward grasp and red > 5 cm off the floor
    slip: np.ndarray  # [hold_steps] m, red's displacement relative to the pinch point
    grasped: np.ndarray  # [hold_steps] bool, the grasp flag reads INWARD_GRASP


def hold_after_scripted_grasp(env: RgbStackingEnv, hold_steps: int = 100, max_grasp_steps: int = 300) -> HoldResult:
    """Resets `env`, builds the scene above, grasps red with the scripted policy and holds still."""
    env.reset()
    sim = env.simulation
    floor = BASKET_ORIGIN[2]
    put_object(sim, 1, (0.52, -0.08), floor + 0.002)
    put_object(sim, 2, (0.68, 0.08), floor + 0.002)
    put_object(sim, 0, (BASKET_ORIGIN[0], 0.0), floor + 0.002, flattest_orientation(sim, 0))
    policy = ScriptedStackingPolicy()
    timestep = env.step(_STILL_OPEN)
    steps = 0
    while policy.phase < Phase.CARRY and steps < max_grasp_steps:
        timestep = env.step(policy(timestep.observation))
        steps += 1
    lifted = (
        policy.phase >= Phase.CARRY
        and sim.grasp(sim.contact_pairs()) == INWARD_GRASP
        and sim.object_poses()[0, 2] > floor + 0.05
    )
    slip, grasped = np.zeros(hold_steps), np.zeros(hold_steps, bool)
    if lifted:
        held = sim.object_poses()[0, :3] - sim.data.site_xpos[sim.scene.pinch_site]
        for step in range(hold_steps):
            env.step(_STILL_CLOSED)
            slip[step] = np.linalg.norm(sim.object_poses()[0, :3] - sim.data.site_xpos[sim.scene.pinch_site] - held)
            grasped[step] = sim.grasp(sim.contact_pairs()) == INWARD_GRASP
    return HoldResult(grasp_steps=steps, lifted=bool(lifted), slip=slip, grasped=grasped)
