"""The RGB-Stacking benchmark as a `dm_env.Environment` with CHEF's six sub-task rewards.

Action (5-D float32): wrist-site linear velocity (m/s, world frame), rotation
rate about world z (rad/s), gripper (> 0 closes, <= 0 opens); out-of-range
values are clipped, and the controller limits the linear and angular speeds
as vectors, as the reference does. Observations follow the reference's
semantics (docs/environment.md): histories newest first. `timestep.reward`
is a float32 vector over TASK_NAMES; every reward of the step (with
'composite' and 'sparse_success') is in `env.last_rewards`. Episodes end with a time-limit truncation (discount 1)
after `episode_length` steps, or with a terminal step (discount 0) when the
wrist force exceeds `force_termination_threshold`.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import dm_env
import numpy as np
from absl import logging
from dm_env import specs

from rgb_stacking_env import object_sets, observations, reset
from rgb_stacking_env.cameras import Cameras, basket_cameras
from rgb_stacking_env.rewards import REWARD_STATE_KEY, TASK_NAMES, RewardState, compute_rewards
from rgb_stacking_env.scene import PhysicsOptions, load_scene
from rgb_stacking_env.simulation import MAX_LINEAR_VELOCITY, MAX_YAW_RATE, Simulation


class EnvConfigError(ValueError):
    """An EnvConfig field is invalid."""


def require(condition: bool, message: str) -> None:
    """Raises EnvConfigError(message) unless `condition`."""
    if not condition:
        raise EnvConfigError(message)


ACTION_NAMES = ("tcp_vx", "tcp_vy", "tcp_vz", "wrist_yaw_rate", "gripper")
ACTION_MIN = np.array([-MAX_LINEAR_VELOCITY] * 3 + [-MAX_YAW_RATE, -1.0], np.float32)
ACTION_MAX = np.array([MAX_LINEAR_VELOCITY] * 3 + [MAX_YAW_RATE, 1.0], np.float32)


@dataclasses.dataclass(frozen=True)
class EnvConfig:
    """Everything that defines an environment instance."""

    object_set: str = "1"
    observation_set: str = "state"
    camera_size: int = 64
    seed: Optional[int] = None
    force_termination_threshold: Optional[float] = None  # N; CHEF uses 20.
    episode_length: int = 400
    physics: PhysicsOptions = PhysicsOptions()

    def __post_init__(self):
        object.__setattr__(self, "object_set", object_sets.validate_object_set(self.object_set))
        observations.validate_observation_set(self.observation_set)
        require(self.camera_size >= 8, f"camera_size must be >= 8, got {self.camera_size}")
        require(self.episode_length >= 1, f"episode_length must be >= 1, got {self.episode_length}")
        require(
            self.force_termination_threshold is None or self.force_termination_threshold > 0,
            f"force_termination_threshold must be positive or None, got {self.force_termination_threshold}",
        )


class RgbStackingEnv(dm_env.Environment):
    """Sawyer + Robotiq 2F-85 stacking red on blue in the RGB basket."""

    def __init__(self, config: EnvConfig = EnvConfig()):
        self.config = config
        self._rng = np.random.default_rng(config.seed)
        self._entries = observations.entries(config.observation_set, config.camera_size)
        self._observation_spec = observations.observation_spec(config.observation_set, config.camera_size)
        self._stacker = observations.FrameStacker(self._entries)
        self._cameras: Optional[Cameras] = None
        self._sim: Optional[Simulation] = None
        self._step_count = 0
        self._needs_reset = True
        self.last_rewards: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ specs
    def observation_spec(self) -> dict[str, specs.Array]:
        return self._observation_spec

    def action_spec(self) -> specs.BoundedArray:
        return specs.BoundedArray((5,), np.float32, ACTION_MIN, ACTION_MAX, name="action:" + ",".join(ACTION_NAMES))

    def reward_spec(self) -> specs.Array:
        return specs.Array((len(TASK_NAMES),), np.float32, name="rewards:" + ",".join(TASK_NAMES))

    def discount_spec(self) -> specs.BoundedArray:
        return specs.BoundedArray((), np.float32, 0.0, 1.0, name="discount")

    # ------------------------------------------------------------- episodes
    @property
    def simulation(self) -> Simulation:
        """The live simulation (after the first reset); for tools and tests."""
        if self._sim is None:
            raise RuntimeError("call reset() first")
        return self._sim

    @property
    def cameras(self) -> Optional[Cameras]:
        return self._cameras

    def reset(self, *, seed: Optional[int] = None) -> dm_env.TimeStep:
        """Starts an episode. Without `seed` the draws come from the environment's running RNG
        (seeded by `config.seed`); with `seed` (an int >= 0) the episode's initial state is a
        function of `seed` alone, whatever the construction seed and the episodes before.

        A seeded reset draws the triplet (random object sets) and the initial state from two
        independent streams of `seed`, so the initial state of a seed is the same in every object
        set that gives the same triplet (a 'test_random' episode replays in its fixed set '1'..'5').
        The running RNG continues from the seeded state: later unseeded resets follow from `seed`.
        """
        if seed is None:
            triplet_rng = self._rng
        else:
            if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
                raise ValueError(f"seed must be an int >= 0, got {seed!r}")
            triplet_seed, state_seed = np.random.SeedSequence(int(seed)).spawn(2)
            triplet_rng, self._rng = np.random.default_rng(triplet_seed), np.random.default_rng(state_seed)
        triplet = object_sets.sample_triplet(self.config.object_set, triplet_rng)
        if self._sim is None or self._sim.scene.triplet != triplet:
            self._load(triplet)
        reset.reset_episode(self._sim, self._rng)
        self._step_count = 0
        self._needs_reset = False
        reward_state = self._sim.reward_state(self._sim.contact_pairs())
        self.last_rewards = compute_rewards(reward_state)
        return dm_env.restart(self._stacker.reset(self._frame(reward_state)))

    def step(self, action: np.ndarray) -> dm_env.TimeStep:
        if self._needs_reset:
            return self.reset()
        action = self._validate(action)
        self._sim.control_step(action[:3].astype(np.float64), float(action[3]), bool(action[4] > 0.0))
        self._step_count += 1
        reward_state = self._sim.reward_state(self._sim.contact_pairs())
        observation = self._stacker.push(self._frame(reward_state))
        self.last_rewards = compute_rewards(reward_state)
        reward = np.array([self.last_rewards[name] for name in TASK_NAMES], np.float32)
        if self._sim.diverged():
            # MuJoCo has reset the physics state: this episode cannot continue.
            logging.warning("physics diverged at step %d; truncating the episode", self._step_count)
            self._needs_reset = True
            return dm_env.truncation(reward, observation)
        threshold = self.config.force_termination_threshold
        if threshold is not None and np.linalg.norm(self._sim.wrist_force()) > threshold:
            self._needs_reset = True
            return dm_env.termination(reward, observation)
        if self._step_count >= self.config.episode_length:
            self._needs_reset = True
            return dm_env.truncation(reward, observation)
        return dm_env.transition(reward, observation)

    def close(self) -> None:
        if self._cameras is not None:
            self._cameras.close()
            self._cameras = None

    # -------------------------------------------------------------- helpers
    def _load(self, triplet: object_sets.Triplet) -> None:
        self.close()
        scene = load_scene(triplet, self.config.physics)
        self._sim = Simulation(scene)
        if observations.has_cameras(self.config.observation_set):
            self._cameras = basket_cameras(scene, self.config.camera_size)

    def _validate(self, action: np.ndarray) -> np.ndarray:
        action = np.asarray(action, dtype=np.float32)
        if action.shape != (5,):
            raise ValueError(f"action must have shape (5,) {ACTION_NAMES}, got shape {action.shape}")
        if not np.all(np.isfinite(action)):
            raise ValueError(f"action must be finite, got {action}")
        return np.clip(action, ACTION_MIN, ACTION_MAX)

    def _frame(self, reward_state: RewardState) -> dict[str, np.ndarray]:
        """Per-step values of every observation entry (before stacking)."""
        sim, scene = self._sim, self._sim.scene
        data = sim.data
        pinch_pose = sim.site_pose(scene.pinch_site)
        object_poses = sim.object_poses()  # [3, 7]
        frame = {
            "sawyer/joints/angle": data.qpos[scene.arm_qpos],
            "sawyer/joints/velocity": data.qvel[scene.arm_dof],
            "sawyer/joints/torque": sim.joint_torques(),
            "sawyer/pinch/pose": pinch_pose,
            "sawyer/tcp/pose": sim.site_pose(scene.wrist_site),
            "sawyer/tcp/velocity": sim.site_velocity(scene.wrist_site),
            "gripper/joints/angle": sim.gripper_angle(),
            "gripper/joints/velocity": sim.gripper_velocity(),
            "gripper/grasp": reward_state.grasp,
            "action/environment": np.append(sim.last_joint_command, sim.last_gripper_command),
            "wrist/force": sim.wrist_force(),
            "wrist/torque": sim.wrist_torque(),
            REWARD_STATE_KEY: reward_state.to_vector(),
            observations.OBJECT_POSES_KEY: object_poses,
        }
        for index, color in enumerate(("red", "green", "blue")):
            frame[f"rgb30_{color}/abs_pose"] = object_poses[index]
            frame[f"rgb30_{color}/to_pinch"] = object_poses[index] - pinch_pose
        if self._cameras is not None:
            frame.update(self._cameras.render(data))
        return frame


def make(
    object_set: str = "1",
    observation_set: str = "state",
    camera_size: int = 64,
    seed: Optional[int] = None,
    force_termination_threshold: Optional[float] = None,
    episode_length: int = 400,
) -> RgbStackingEnv:
    """Builds the environment; see `EnvConfig`."""
    return RgbStackingEnv(
        EnvConfig(
            object_set=str(object_set),
            observation_set=observation_set,
            camera_size=camera_size,
            seed=seed,
            force_termination_threshold=force_termination_threshold,
            episode_length=episode_length,
        )
    )
