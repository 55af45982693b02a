"""Fidelity of `rgb_stacking_env` against DeepMind's reference RGB-Stacking simulator.

Both simulators start each episode in the same physical state and receive the
same actions; the divergence of comparable physical quantities is reported.
One JSON object per line: a setup line (both models' physics options, joints
and actuators that could not be matched), one line per (triplet, episode) and
a summary.

    git --git-dir=<mirror of google-deepmind/rgb_stacking> archive HEAD rgb_stacking \\
        | tar -x -C /tmp/rgb_stacking_ref
    python scripts/fidelity.py --reference_dir=/tmp/rgb_stacking_ref [--triplets=1,2,3,4,5] \\
        [--episodes=2] [--steps=200] [--resync_every=0] [--physics=noslip_iterations=2]

(`archive HEAD` without the `rgb_stacking` path also works where every blob of
the repository is present; only the `rgb_stacking/` package is needed.) The
reference is imported from `--reference_dir` and patched at runtime for
dm-robotics 0.9.0: its MergeObservations steps that build `robot0_tcp_pose`
and `robot0_wrist_site_pose` are dropped (dm-robotics now provides both), and
its cameras are not built (speed). Not run in CI.

Episode: the reference resets (its own initial-state distribution and
settling), then the arm, gripper and object joint positions/velocities and the
actuator activations are copied into our simulation by joint name (prefixes
`robot0/` vs `sawyer/`). Every step, `ScriptedStackingPolicy` computes an
action from OUR state; both envs get it. The reference action spec is
(robot0_cart_4d_vel0..3, robot0_gripper0): linear velocity of the wrist site
in the world frame (ours too), yaw rate about world z, gripper in -255..255 thresholded at 0 by a min/max
effector (ours: +-1 thresholded at 0), so only the gripper is rescaled.
`--resync_every=N` re-copies the reference state every N steps, separating
local per-step divergence from accumulated chaotic divergence.

Quantities (read from each simulator's physics, not from observations): TCP
(pinch site) position, finger reading 0..255 (left driver joint, each
gripper's own conversion), object collision-geom positions, the Robotiq grasp
flag (each simulator's own rule) and the wrist force sensor at the control
step's last physics substep (what both observations report). `--physics`
overrides our physics options, to compare candidate settings.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("MUJOCO_GL", "disable")

import mujoco  # noqa: E402
import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402
from dm_robotics.manipulation.props.rgb_objects import rgb_object  # noqa: E402

from rgb_stacking_env.environment import EnvConfig, RgbStackingEnv  # noqa: E402
from rgb_stacking_env.object_sets import TEST_TRIPLETS  # noqa: E402
from rgb_stacking_env.observations import OBJECT_POSES_KEY  # noqa: E402
from rgb_stacking_env.rewards import REWARD_STATE_KEY  # noqa: E402
from rgb_stacking_env.scene import COLORS, GRIPPER_RANGE, PhysicsOptions  # noqa: E402
from rgb_stacking_env.scripted_policy import ScriptedStackingPolicy  # noqa: E402
from rgb_stacking_env.simulation import Simulation  # noqa: E402

_REFERENCE_DIR = flags.DEFINE_string(
    "reference_dir", "/tmp/rgb_stacking_ref", "Export of google-deepmind/rgb_stacking (holds rgb_stacking/)."
)
_TRIPLETS = flags.DEFINE_list("triplets", ["1", "2", "3", "4", "5"], "Test triplets (1..5).")
_EPISODES = flags.DEFINE_integer("episodes", 2, "Episodes per triplet.")
_STEPS = flags.DEFINE_integer(
    "steps", 200, "Control steps per episode (at most 400, the reference's limit).", lower_bound=1, upper_bound=400
)
_RESYNC_EVERY = flags.DEFINE_integer(
    "resync_every", 0, "Re-copy the reference state every N steps (0: never).", lower_bound=0
)
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the reference's initial-state distribution.")
_PHYSICS = flags.DEFINE_list("physics", [], "Overrides of our PhysicsOptions, e.g. noslip_iterations=2,cone=elliptic.")

OUR_PREFIX, REF_PREFIX = "sawyer/", "robot0/"
REF_ACTION_NAMES = (
    "robot0_cart_4d_vel0",
    "robot0_cart_4d_vel1",
    "robot0_cart_4d_vel2",
    "robot0_cart_4d_vel3",
    "robot0_gripper0",
)  # wrist-site velocity (world), yaw rate about world z, gripper (> 0 closes)
_DROPPED_MERGES = ("robot0_tcp_pose", "robot0_wrist_site_pose")
_SHORT = 100  # steps of the short-horizon statistics
_OBJECT_GEOM = "mesh_rgb_object_{}_00_collision"
_FORCE_SENSOR = "robotiq_fts300/ft_sensor_force"
_COLUMNS = (
    "tcp_mm",
    "finger",
    "red_mm",
    "green_mm",
    "blue_mm",
    "grasp_agree",
    "force_n",
    "our_force_n",
    "ref_force_n",
    "ref_s",
    "our_s",
)
_FORCE_THRESHOLD = 20.0  # N, CHEF's force termination


def load_reference(reference_dir: str):
    """Imports the reference `environment` module and applies the dm-robotics 0.9.0 patches."""
    sys.path.insert(0, reference_dir)
    from dm_robotics.agentflow.preprocessors import observation_transforms
    from dm_robotics.moma import subtask_env_builder
    from rgb_stacking import environment, task

    add_preprocessor = subtask_env_builder.SubtaskEnvBuilder.add_preprocessor

    def add_unless_overwriting(builder, preprocessor):
        if (
            isinstance(preprocessor, observation_transforms.MergeObservations)
            and preprocessor._new_obs in _DROPPED_MERGES
        ):  # pylint: disable=protected-access
            return builder
        return add_preprocessor(builder, preprocessor)

    subtask_env_builder.SubtaskEnvBuilder.add_preprocessor = add_unless_overwriting
    task.camera_sensor.build_camera_sensors = lambda *args, **kwargs: []
    return environment


def _name(model: mujoco.MjModel, kind: mujoco.mjtObj, index: int) -> str:
    return mujoco.mj_id2name(model, kind, index) or ""


def _reference_name(name: str) -> str:
    return REF_PREFIX + name[len(OUR_PREFIX) :] if name.startswith(OUR_PREFIX) else name


def _geom_by_suffix(model: mujoco.MjModel, suffix: str) -> int:
    (geom,) = [g for g in range(model.ngeom) if _name(model, mujoco.mjtObj.mjOBJ_GEOM, g).endswith(suffix)]
    return geom


class StateCopier:
    """Copies joint state and actuator activations from the reference model into ours, by name."""

    def __init__(self, ours: mujoco.MjModel, ref: mujoco.MjModel):
        joint, actuator = mujoco.mjtObj.mjOBJ_JOINT, mujoco.mjtObj.mjOBJ_ACTUATOR
        width = {mujoco.mjtJoint.mjJNT_FREE: (7, 6), mujoco.mjtJoint.mjJNT_BALL: (4, 3)}
        self.qpos, self.dof, self.act = [], [], []  # (our slice, reference slice)
        self.unmatched: list[str] = []
        for j in range(ours.njnt):
            name = _name(ours, joint, j)
            r = mujoco.mj_name2id(ref, joint, _reference_name(name))
            if r < 0 or ref.jnt_type[r] != ours.jnt_type[j]:
                self.unmatched.append(name)
                continue
            nq, nv = width.get(ours.jnt_type[j], (1, 1))
            self.qpos.append(
                (
                    slice(ours.jnt_qposadr[j], ours.jnt_qposadr[j] + nq),
                    slice(ref.jnt_qposadr[r], ref.jnt_qposadr[r] + nq),
                )
            )
            self.dof.append(
                (slice(ours.jnt_dofadr[j], ours.jnt_dofadr[j] + nv), slice(ref.jnt_dofadr[r], ref.jnt_dofadr[r] + nv))
            )
        for a in range(ours.nu):
            name = _name(ours, actuator, a)
            r = mujoco.mj_name2id(ref, actuator, _reference_name(name))
            if r < 0 or ours.actuator_actadr[a] < 0 or ref.actuator_actadr[r] < 0:
                self.unmatched.append(name)
                continue
            self.act.append((ours.actuator_actadr[a], ref.actuator_actadr[r]))
        self.reference_only = sorted(
            {_name(ref, joint, j) for j in range(ref.njnt)}
            - {_reference_name(_name(ours, joint, j)) for j in range(ours.njnt)}
        )

    def __call__(self, sim: Simulation, ref: mujoco.MjData) -> None:
        for ours, theirs in self.qpos:
            sim.data.qpos[ours] = ref.qpos[theirs]
        for ours, theirs in self.dof:
            sim.data.qvel[ours] = ref.qvel[theirs]
        for ours, theirs in self.act:
            sim.data.act[ours] = ref.act[theirs]
        sim.forward()


def physics_options(model: mujoco.MjModel) -> dict:
    opt = model.opt
    return {
        "timestep": opt.timestep,
        "integrator": mujoco.mjtIntegrator(opt.integrator).name,
        "cone": mujoco.mjtCone(opt.cone).name,
        "solver": mujoco.mjtSolver(opt.solver).name,
        "iterations": opt.iterations,
        "ls_iterations": opt.ls_iterations,
        "noslip_iterations": opt.noslip_iterations,
        "impratio": opt.impratio,
        "tolerance": opt.tolerance,
        "multiccd": bool(opt.enableflags & mujoco.mjtEnableBit.mjENBL_MULTICCD),
    }


def our_observation(sim: Simulation) -> dict[str, np.ndarray]:
    """The entries the scripted policy reads, from the current state (valid right after a resync too)."""
    return {
        REWARD_STATE_KEY: sim.reward_state(sim.contact_pairs()).to_vector(),
        OBJECT_POSES_KEY: sim.object_poses(),
        "sawyer/pinch/pose": sim.site_pose(sim.scene.pinch_site)[None],
        "sawyer/joints/angle": sim.data.qpos[sim.scene.arm_qpos][None],
    }


class Reference:
    """The reference env plus the physics readouts compared with ours.

    The env may recompile its physics on reset, so physics, model and data are
    looked up on every use; indices stay valid (same MJCF).
    """

    def __init__(self, env):
        self.env = env
        self.gripper = env.task.robots[0].gripper
        self.pinch = mujoco.mj_name2id(
            self.model, mujoco.mjtObj.mjOBJ_SITE, self.gripper.tool_center_point.full_identifier
        )
        self.objects = [_geom_by_suffix(self.model, "/" + _OBJECT_GEOM.format(c)) for c in COLORS]
        sensor = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_SENSOR, REF_PREFIX + _FORCE_SENSOR)
        self._force_adr = int(self.model.sensor_adr[sensor])

    @property
    def physics(self):
        return self.env.physics

    @property
    def model(self) -> mujoco.MjModel:
        return self.env.physics.model.ptr

    @property
    def data(self) -> mujoco.MjData:
        return self.env.physics.data.ptr

    def step(self, action: np.ndarray) -> None:
        """Steps with our 5-D action: gripper +-1 becomes the reference's +-255 (min/max effector)."""
        self.env.step(np.append(action[:4], GRIPPER_RANGE * action[4]).astype(np.float32))

    def finger(self) -> float:
        return float(self.gripper.convert_position(self.physics.bind(self.gripper.joint_sensor).sensordata)[0])

    def grasp(self) -> float:
        return float(self.gripper.grasp_sensor_callable(self.physics))

    def wrist_force(self) -> np.ndarray:
        """[3] wrist force at the last physics substep (the reference's observation; ours reads the same)."""
        return self.data.sensordata[self._force_adr : self._force_adr + 3].copy()


def run_episode(env, ref: Reference, copier: StateCopier, steps: int, resync_every: int) -> dict[str, np.ndarray]:
    """Per-step divergences [steps] of one episode, plus per-step wall times."""
    ref.env.reset()
    env.reset()
    sim = env.simulation
    objects = [_geom_by_suffix(sim.model, "/" + _OBJECT_GEOM.format(c)) for c in COLORS]
    copier(sim, ref.data)
    policy = ScriptedStackingPolicy()
    rows = []
    for step in range(steps):
        if resync_every and step and step % resync_every == 0:
            copier(sim, ref.data)
        action = policy(our_observation(sim))
        start = time.perf_counter()
        ref.step(action)
        ref_seconds = time.perf_counter() - start
        start = time.perf_counter()
        timestep = env.step(action)
        our_seconds = time.perf_counter() - start
        rows.append(
            [
                1e3 * np.linalg.norm(sim.data.site_xpos[sim.scene.pinch_site] - ref.data.site_xpos[ref.pinch]),
                abs(sim.gripper_angle() - ref.finger()),
                *(
                    1e3 * np.linalg.norm(sim.data.geom_xpos[ours] - ref.data.geom_xpos[theirs])
                    for ours, theirs in zip(objects, ref.objects)
                ),
                float(sim.grasp(sim.contact_pairs()) == ref.grasp()),
                np.linalg.norm(sim.wrist_force() - ref.wrist_force()),
                np.linalg.norm(sim.wrist_force()),
                np.linalg.norm(ref.wrist_force()),
                ref_seconds,
                our_seconds,
            ]
        )
        if timestep.last():  # our physics diverged (MuJoCo reset it)
            break
    return dict(zip(_COLUMNS, np.asarray(rows).T))


def statistics(series: dict[str, np.ndarray]) -> dict:
    """Max and mean of every divergence over the first 100 steps and over the episode."""
    result = {"steps": len(series["tcp_mm"])}
    for key in ("our_force_n", "ref_force_n"):  # force magnitudes: peak and steps over CHEF's threshold
        result[f"{key}_peak"] = round(float(series[key].max()), 2)
        result[f"{key}_steps_over_20"] = int((series[key] > _FORCE_THRESHOLD).sum())
    for key, values in series.items():
        if key in ("ref_s", "our_s", "our_force_n", "ref_force_n"):
            continue
        for suffix, window in ((f"_{_SHORT}", values[:_SHORT]), ("", values)):
            if key == "grasp_agree":
                result[f"{key}{suffix}"] = round(float(window.mean()), 4)
            else:
                result[f"{key}_max{suffix}"] = round(float(window.max()), 3)
                result[f"{key}_mean{suffix}"] = round(float(window.mean()), 3)
    result["ref_step_s"] = round(float(series["ref_s"].mean()), 4)
    result["our_step_s"] = round(float(series["our_s"].mean()), 5)
    return result


def main(argv: list[str]) -> None:
    del argv
    if not set(_TRIPLETS.value) <= set(TEST_TRIPLETS):
        raise ValueError(f"--triplets must be among {sorted(TEST_TRIPLETS)}, got {_TRIPLETS.value}")
    reference = load_reference(_REFERENCE_DIR.value)
    episodes = []
    for triplet in _TRIPLETS.value:
        name = f"rgb_test_triplet{triplet}"
        if tuple(rgb_object.PROP_TRIPLETS[name][1]) != TEST_TRIPLETS[triplet]:
            raise ValueError(f"object ids of {name} differ from our triplet {triplet}")
        start = time.perf_counter()
        ref = Reference(reference.rgb_stacking(object_triplet=name))
        build_s = time.perf_counter() - start
        action_names = tuple(ref.env.action_spec().name.split("\t"))
        if action_names != REF_ACTION_NAMES:
            raise ValueError(f"unexpected reference action spec {action_names}")
        ref.env.base_env.random_state.seed(_SEED.value + int(triplet))
        env = RgbStackingEnv(
            EnvConfig(
                object_set=triplet,
                episode_length=_STEPS.value + 1,
                physics=PhysicsOptions().with_overrides(_PHYSICS.value),
            )
        )
        env.reset()
        copier = StateCopier(env.simulation.model, ref.model)
        if not episodes:
            print(
                json.dumps(
                    {
                        "name": "fidelity_setup",
                        "reference_build_s": round(build_s, 2),
                        "ours": physics_options(env.simulation.model),
                        "reference": physics_options(ref.model),
                        "unmatched_ours": copier.unmatched,
                        "reference_only_joints": copier.reference_only,
                    }
                ),
                flush=True,
            )
        for episode in range(_EPISODES.value):
            start = time.perf_counter()
            series = run_episode(env, ref, copier, _STEPS.value, _RESYNC_EVERY.value)
            result = {
                "name": "fidelity",
                "triplet": triplet,
                "episode": episode,
                "resync_every": _RESYNC_EVERY.value,
                **statistics(series),
                "seconds": round(time.perf_counter() - start, 1),
            }
            episodes.append(result)
            print(json.dumps(result), flush=True)
        ref.env.close()
    summary = {"name": "fidelity_summary", "episodes": len(episodes), "resync_every": _RESYNC_EVERY.value}
    for key in episodes[0]:
        values = [e[key] for e in episodes if key in e]
        if "_max" in key or key.endswith("_peak"):
            summary[key] = max(values)
        elif key.endswith("_steps_over_20"):
            summary[key.replace("_steps_over_20", "_episodes_over_20")] = int(sum(v > 0 for v in values))
        elif "_mean" in key or key.startswith("grasp_agree") or key.endswith("_step_s"):
            summary[key] = round(float(np.mean(values)), 4)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    app.run(main)
