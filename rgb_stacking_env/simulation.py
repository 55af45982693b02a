"""One MuJoCo simulation of the scene: control steps and physics readouts.

`Simulation` owns the `MjData` of a compiled `Scene`. `control_step` applies a
TCP velocity / gripper command for one control period (the Cartesian
controller runs once, then the physics substeps); readouts are computed from
the current state without copying the model's arrays more than needed.

Stepping keeps position-dependent quantities current without an extra
`mj_forward`: a control step runs `mj_step2` (finishing the step started by
the previous readout), `substeps - 1` full `mj_step`s and a final `mj_step1`,
which computes kinematics, contacts and position/velocity sensors of the new
state. The wrist force/torque is the mean of the substeps' readings over the
control period (a real sensor is low-pass filtered too; single 5 ms contact
impulses would otherwise read as spikes).
"""
from __future__ import annotations

import mujoco
import numpy as np

from rgb_stacking_env import controller
from rgb_stacking_env.rewards import RewardState
from rgb_stacking_env.scene import GRIPPER_RANGE, Scene

CONTROL_DT = 0.05  # s, 20 Hz.
MAX_LINEAR_VELOCITY = 0.07  # m/s
MAX_YAW_RATE = 1.0  # rad/s
WORKSPACE_CENTER = np.array([0.6, 0.0, 0.1698])
WORKSPACE_SIZE = np.array([0.25, 0.25, 0.2])
WORKSPACE_LOW = WORKSPACE_CENTER - WORKSPACE_SIZE / 2
WORKSPACE_HIGH = WORKSPACE_CENTER + WORKSPACE_SIZE / 2
WRIST_RANGE = (-np.pi / 2, np.pi / 2)
NO_GRASP, INWARD_GRASP, OUTWARD_GRASP = 1.0, 2.0, 3.0
_DIVERGENCE_WARNINGS = np.array([mujoco.mjtWarning.mjWARN_BADQPOS, mujoco.mjtWarning.mjWARN_BADQVEL,
                                 mujoco.mjtWarning.mjWARN_BADQACC], dtype=int)


class Simulation:
    """Physics state of one scene plus the Cartesian controller."""

    def __init__(self, scene: Scene, control_params: controller.ControllerParams = controller.ControllerParams()):
        self.scene = scene
        self.model = scene.model
        self.data = mujoco.MjData(self.model)
        self.substeps = int(round(CONTROL_DT / self.model.opt.timestep))
        self._params = control_params
        self._jacp = np.zeros((3, self.model.nv))
        self._jacr = np.zeros((3, self.model.nv))
        self._velocity = np.zeros(6)
        self._wrench = np.zeros(6)  # wrist force and torque, mean over the last control period
        self._gravity_wrench = np.zeros((len(scene.robot_bodies), 6))
        self._gravity_wrench[:, :3] = -self.model.opt.gravity * self.model.body_mass[scene.robot_bodies, None]
        self._pad_bodies = tuple(int(self.model.geom_bodyid[g]) for g in scene.pad_geoms)
        self._is_object = self._geom_mask(scene.object_geoms)
        self._is_blue = self._geom_mask(scene.object_geoms[2:])
        self._is_robot = self._geom_mask(scene.robot_geoms)
        self._is_ground = self._geom_mask(scene.ground_geoms)
        self._wrist_joint = int(self.model.dof_jntid[scene.arm_dof[6]])
        self.last_joint_command = np.zeros(7)
        self.last_gripper_command = 0.0

    def _geom_mask(self, geoms) -> np.ndarray:
        """[ngeom] bool lookup table of a geom set."""
        mask = np.zeros(self.model.ngeom, bool)
        mask[list(geoms)] = True
        return mask

    # ----------------------------------------------------------------- state
    def reset(self) -> None:
        """Zero state; gravity compensation of the robot (as dm-robotics: external wrenches)."""
        mujoco.mj_resetData(self.model, self.data)
        self.data.xfrc_applied[self.scene.robot_bodies] = self._gravity_wrench
        self.last_joint_command[:] = 0.0
        self.last_gripper_command = 0.0
        self._wrench[:] = 0.0

    def set_arm(self, joint_position: np.ndarray) -> None:
        """Puts the arm at rest at `joint_position` and holds it there."""
        self.data.qpos[self.scene.arm_qpos] = joint_position
        self.data.qvel[self.scene.arm_dof] = 0.0
        self.data.act[self.scene.arm_actuators] = joint_position
        self.data.ctrl[self.scene.arm_actuators] = 0.0

    def diverged(self) -> bool:
        """True once MuJoCo reported a divergence (it then resets the state itself)."""
        return bool(self.data.warning.number[_DIVERGENCE_WARNINGS].any())

    def forward(self) -> None:
        mujoco.mj_forward(self.model, self.data)

    def hold(self, substeps: int) -> None:
        """Advances physics with zero commands (robot held still, gripper unchanged)."""
        self.data.ctrl[self.scene.arm_actuators] = 0.0
        mujoco.mj_step(self.model, self.data, substeps)
        mujoco.mj_forward(self.model, self.data)

    def control_step(self, linear_velocity: np.ndarray, yaw_rate: float, close_gripper: bool) -> None:
        """One 50 ms control period; assumes readouts of the current state are up to date."""
        scene, data = self.scene, self.data
        pinch = data.site_xpos[scene.pinch_site]
        linear = controller.clip_to_workspace(
            linear_velocity, pinch, WORKSPACE_LOW, WORKSPACE_HIGH, CONTROL_DT, MAX_LINEAR_VELOCITY)
        axis_sign = float(np.sign(data.xaxis[self._wrist_joint, 2]) or 1.0)
        yaw_rate = controller.clip_wrist_rate(
            yaw_rate, data.qpos[scene.arm_qpos[6]], axis_sign, *WRIST_RANGE, CONTROL_DT)
        mujoco.mj_jacSite(self.model, data, self._jacp, self._jacr, scene.pinch_site)
        jacobian = np.concatenate([self._jacp[:, scene.arm_dof], self._jacr[:, scene.arm_dof]])  # [6, 7]
        tool_z = data.site_xmat[scene.pinch_site, 2::3]
        joint_velocity = controller.joint_velocities(
            jacobian, data.qpos[scene.arm_qpos], tool_z, linear, yaw_rate, CONTROL_DT, self._params)
        gripper = GRIPPER_RANGE if close_gripper else -GRIPPER_RANGE
        data.ctrl[scene.arm_actuators] = joint_velocity
        data.ctrl[scene.gripper_actuator] = gripper
        self.last_joint_command[:] = joint_velocity
        self.last_gripper_command = gripper
        self._wrench[:] = 0.0
        mujoco.mj_step2(self.model, data)
        self._accumulate_wrench()
        for _ in range(self.substeps - 1):
            mujoco.mj_step(self.model, data)
            self._accumulate_wrench()
        self._wrench /= self.substeps
        mujoco.mj_step1(self.model, data)

    def _accumulate_wrench(self) -> None:
        """Adds the wrist force and torque (adjacent in sensordata) sensed in the substep just taken."""
        self._wrench += self.data.sensordata[self.scene.force_adr:self.scene.force_adr + 6]

    # -------------------------------------------------------------- readouts
    def site_pose(self, site: int) -> np.ndarray:
        """[7] position + wxyz quaternion of a site."""
        pose = np.empty(7)
        pose[:3] = self.data.site_xpos[site]
        mujoco.mju_mat2Quat(pose[3:], self.data.site_xmat[site])
        return pose

    def site_velocity(self, site: int) -> np.ndarray:
        """[6] linear then angular velocity of a site, world frame."""
        mujoco.mj_objectVelocity(self.model, self.data, mujoco.mjtObj.mjOBJ_SITE, site, self._velocity, 0)
        return np.concatenate([self._velocity[3:], self._velocity[:3]])

    def object_poses(self) -> np.ndarray:
        """[3, 7] body position + wxyz quaternion of the red, green and blue objects."""
        bodies = self.scene.object_bodies
        return np.concatenate([self.data.xpos[bodies], self.data.xquat[bodies]], axis=1)

    def gripper_angle(self) -> float:
        """Finger reading, 0 (open) .. 255 (closed), rounded like the real gripper."""
        joint = float(self.data.qpos[self.scene.gripper_joint_qpos]) / self.scene.gripper_joint_range
        return float(round(min(max(joint, 0.0), 1.0) * GRIPPER_RANGE))

    def gripper_velocity(self) -> float:
        return float(self.data.qvel[self.scene.gripper_joint_dof] / self.scene.gripper_joint_range * GRIPPER_RANGE)

    def wrist_force(self) -> np.ndarray:
        """[3] wrist force (sensor frame, N), averaged over the last control period."""
        return self._wrench[:3].copy()

    def wrist_torque(self) -> np.ndarray:
        """[3] wrist torque (sensor frame, N m), averaged over the last control period."""
        return self._wrench[3:].copy()

    def contact_pairs(self) -> np.ndarray:
        """[ncon, 2] geom ids of the current contacts."""
        return self.data.contact.geom[:self.data.ncon]

    def grasp(self, pairs: np.ndarray) -> float:
        """Robotiq object detection: both finger pads on an object while the fingers move."""
        pad_bodies = self.model.geom_bodyid[pairs]  # [ncon, 2]
        on_object = self._is_object[pairs[:, ::-1]]  # [ncon, 2]: the other geom is an object
        for pad in self._pad_bodies:
            if not np.any((pad_bodies == pad) & on_object):
                return NO_GRASP
        return INWARD_GRASP if self.last_gripper_command > 0 else OUTWARD_GRASP

    def object_extent(self, index: int) -> tuple[np.ndarray, float]:
        """Centre [3] (mid-height along world z) and half-height of object `index`."""
        geom = self.scene.object_geoms[index]
        rotation = self.data.geom_xmat[geom].reshape(3, 3)
        heights = self.scene.object_vertices[index] @ rotation[2]  # [N] z offsets from the geom origin
        low, high = heights.min(), heights.max()
        centre = self.data.geom_xpos[geom].copy()
        centre[2] += 0.5 * (low + high)
        return centre, 0.5 * (high - low)

    def reward_state(self, pairs: np.ndarray) -> RewardState:
        """Everything the rewards read, from the current state and contacts `pairs`."""
        red, red_half_height = self.object_extent(0)
        green, _ = self.object_extent(1)
        blue, blue_half_height = self.object_extent(2)
        red_geom = self.scene.object_geoms[0]
        touching_red = np.where(pairs[:, 0] == red_geom, pairs[:, 1], pairs[:, 0])[(pairs == red_geom).any(axis=1)]
        return RewardState(
            pinch_pos=self.data.site_xpos[self.scene.pinch_site].copy(),
            red_pos=red, blue_pos=blue, green_pos=green,
            red_half_height=red_half_height, blue_half_height=blue_half_height,
            gripper_angle=self.gripper_angle(), grasp=self.grasp(pairs),
            red_touches_blue=float(self._is_blue[touching_red].any()),
            red_touches_ground=float(self._is_ground[touching_red].any()),
            red_touches_robot=float(self._is_robot[touching_red].any()))
