"""One MuJoCo simulation of the scene: control steps and physics readouts.

`Simulation` owns the `MjData` of a compiled `Scene`. `control_step` applies a
wrist velocity / gripper command for one control period (the Cartesian
controller runs once, then the physics substeps); readouts are computed from
the current state without copying the model's arrays more than needed.

Stepping keeps position-dependent quantities current without an extra
`mj_forward`: a control step runs `mj_step2` (finishing the step started by
the previous readout), `substeps - 1` full `mj_step`s and a final `mj_step1`,
which computes kinematics, contacts and position/velocity sensors of the new
state (dm_control's `Physics.step` does the same). Force and torque sensors
are acceleration-stage quantities: they hold the readings of the last physics
substep, as in the reference.

Readouts follow the reference's semantics (dm-robotics 0.9.0): quaternions wxyz
with w >= 0, the finger reading rounded to 0..255 and its velocity as the change
of that reading over the last 12.5 ms, joint torques from the torque sensors at
the joint sites, and the Robotiq grasp flag from pad contacts and the command.
"""

from __future__ import annotations

import mujoco
import numpy as np

from rgb_stacking_env import controller
from rgb_stacking_env.controller import MAX_LINEAR_VELOCITY as MAX_LINEAR_VELOCITY  # Re-exported.
from rgb_stacking_env.controller import MAX_YAW_RATE as MAX_YAW_RATE  # Re-exported.
from rgb_stacking_env.rewards import INWARD_GRASP, RewardState
from rgb_stacking_env.scene import GRIPPER_RANGE, Scene

CONTROL_DT = 0.05  # s, 20 Hz.
WORKSPACE_CENTER = np.array([0.6, 0.0, 0.1698])
WORKSPACE_SIZE = np.array([0.25, 0.25, 0.2])
WORKSPACE_LOW = WORKSPACE_CENTER - WORKSPACE_SIZE / 2
WORKSPACE_HIGH = WORKSPACE_CENTER + WORKSPACE_SIZE / 2
WRIST_RANGE = (-np.pi / 2, np.pi / 2)
NO_GRASP, OUTWARD_GRASP = 1, 3  # and rewards.INWARD_GRASP = 2
GRIPPER_VELOCITY_WINDOW = 0.0125  # s: the Robotiq reading's velocity is its change over 25 x 0.5 ms.
MIN_GRASP_COMMAND = 2.0  # |gripper command| below this reads as no grasp (Robotiq object detection).
_DIVERGENCE_WARNINGS = np.array(
    [mujoco.mjtWarning.mjWARN_BADQPOS, mujoco.mjtWarning.mjWARN_BADQVEL, mujoco.mjtWarning.mjWARN_BADQACC], dtype=int
)


class Simulation:
    """Physics state of one scene plus the Cartesian controller."""

    def __init__(self, scene: Scene, control_params: controller.ControllerParams = controller.ControllerParams()):  # noqa: B008 (frozen)
        self.scene = scene
        self.model = scene.model
        self.data = mujoco.MjData(self.model)
        self.substeps = int(round(CONTROL_DT / self.model.opt.timestep))
        self._params = control_params
        self._jacp = np.zeros((3, self.model.nv))
        self._jacr = np.zeros((3, self.model.nv))
        self._velocity = np.zeros(6)
        # Substeps before the end of a control step at which the finger reading for its velocity is taken.
        window = int(round(GRIPPER_VELOCITY_WINDOW / self.model.opt.timestep))
        self._velocity_substeps = min(self.substeps, max(1, window))
        self._gripper_reading_before = 0.0  # finger reading GRIPPER_VELOCITY_WINDOW before the current state
        self._gravity_wrench = np.zeros((len(scene.robot_bodies), 6))
        self._gravity_wrench[:, :3] = -self.model.opt.gravity * self.model.body_mass[scene.robot_bodies, None]
        self._is_pad = self._geom_mask(scene.pad_geoms)
        self._is_blue = self._geom_mask(scene.object_geoms[2:])
        self._is_robot = self._geom_mask(scene.robot_geoms)
        self._is_ground = self._geom_mask(scene.ground_geoms)
        self.last_joint_command = np.zeros(7)
        self.last_gripper_command = -GRIPPER_RANGE

    def _geom_mask(self, geoms) -> np.ndarray:
        """[ngeom] bool lookup table of a geom set."""
        mask = np.zeros(self.model.ngeom, bool)
        mask[list(geoms)] = True
        return mask

    # ----------------------------------------------------------------- state
    def reset(self) -> None:
        """Zero state, gripper commanded open; gravity compensation of the robot (as dm-robotics: external wrenches).

        The reset's commands (arm still, gripper -255) are the last commands until the first action.
        """
        mujoco.mj_resetData(self.model, self.data)
        self.data.xfrc_applied[self.scene.robot_bodies] = self._gravity_wrench
        self.data.ctrl[self.scene.gripper_actuator] = -GRIPPER_RANGE
        self.last_joint_command[:] = 0.0
        self.last_gripper_command = -GRIPPER_RANGE
        self._gripper_reading_before = 0.0

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
        """Advances physics with zero arm commands (robot held still, gripper command unchanged)."""
        self.data.ctrl[self.scene.arm_actuators] = 0.0
        mujoco.mj_step(self.model, self.data, substeps)
        mujoco.mj_forward(self.model, self.data)
        self._gripper_reading_before = self.gripper_angle()

    def control_step(self, linear_velocity: np.ndarray, yaw_rate: float, close_gripper: bool) -> None:
        """One 50 ms control period; assumes readouts of the current state are up to date.

        `linear_velocity` [3] is the wrist site's (world frame, m/s), `yaw_rate` about world z (rad/s).
        """
        scene, data = self.scene, self.data
        linear = controller.limit_to_box(
            linear_velocity, data.site_xpos[scene.pinch_site], WORKSPACE_LOW, WORKSPACE_HIGH
        )
        # The wrist joint axis points down: yaw about world z is -q6 (the reference's wrist state).
        yaw_rate = float(
            controller.limit_to_box(np.float64(yaw_rate), -data.qpos[scene.arm_qpos[6]], WRIST_RANGE[0], WRIST_RANGE[1])
        )
        mujoco.mj_jacSite(self.model, data, self._jacp, self._jacr, scene.wrist_site)
        jacobian = np.concatenate([self._jacp[:, scene.arm_dof], self._jacr[:, scene.arm_dof]])  # [6, 7]
        tool_z = data.site_xmat[scene.wrist_site, 2::3]
        joint_velocity = controller.joint_velocities(
            jacobian, data.qpos[scene.arm_qpos], tool_z, linear, yaw_rate, self._params
        )
        gripper = GRIPPER_RANGE if close_gripper else -GRIPPER_RANGE
        data.ctrl[scene.arm_actuators] = joint_velocity
        data.ctrl[scene.gripper_actuator] = gripper
        self.last_joint_command[:] = joint_velocity
        self.last_gripper_command = gripper
        # `substeps` physics steps: the first is finished by mj_step2 (mj_step1 ran with the last
        # readout), the finger reading for the velocity is taken `_velocity_substeps` before the end.
        reading_at = self.substeps - self._velocity_substeps  # substeps done when the reading is taken
        if reading_at == 0:
            self._gripper_reading_before = self.gripper_angle()
        mujoco.mj_step2(self.model, data)
        if reading_at > 1:
            mujoco.mj_step(self.model, data, reading_at - 1)
        if reading_at > 0:
            self._gripper_reading_before = self.gripper_angle()
        mujoco.mj_step(self.model, data, self.substeps - max(reading_at, 1))
        mujoco.mj_step1(self.model, data)

    # -------------------------------------------------------------- readouts
    def site_pose(self, site: int) -> np.ndarray:
        """[7] position + wxyz quaternion (w >= 0) of a site."""
        pose = np.empty(7)
        pose[:3] = self.data.site_xpos[site]
        mujoco.mju_mat2Quat(pose[3:], self.data.site_xmat[site])
        return positive_leading(pose)

    def site_velocity(self, site: int) -> np.ndarray:
        """[6] linear then angular velocity of a site, world frame."""
        mujoco.mj_objectVelocity(self.model, self.data, mujoco.mjtObj.mjOBJ_SITE, site, self._velocity, 0)
        return np.concatenate([self._velocity[3:], self._velocity[:3]])

    def object_poses(self) -> np.ndarray:
        """[3, 7] body position + wxyz quaternion (w >= 0) of the red, green and blue objects."""
        bodies = self.scene.object_bodies
        return positive_leading(np.concatenate([self.data.xpos[bodies], self.data.xquat[bodies]], axis=1))

    def gripper_angle(self) -> float:
        """Finger reading, 0 (open) .. 255 (closed), rounded like the real gripper."""
        return finger_reading(self.data.qpos[self.scene.gripper_joint_qpos], self.scene.gripper_joint_range)

    def gripper_velocity(self) -> float:
        """Change of the finger reading over the last GRIPPER_VELOCITY_WINDOW (reading units, not per second)."""
        return self.gripper_angle() - self._gripper_reading_before

    def joint_torques(self) -> np.ndarray:
        """[7] arm joint torques (N m): z of the torque sensors at the joint sites, last physics substep."""
        return self.data.sensordata[self.scene.joint_torque_adr]

    def wrist_force(self) -> np.ndarray:
        """[3] wrist force (sensor frame, N) at the last physics substep."""
        return self.data.sensordata[self.scene.force_adr : self.scene.force_adr + 3].copy()

    def wrist_torque(self) -> np.ndarray:
        """[3] wrist torque (sensor frame, N m) at the last physics substep."""
        return self.data.sensordata[self.scene.torque_adr : self.scene.torque_adr + 3].copy()

    def contact_pairs(self) -> np.ndarray:
        """[ncon, 2] geom ids of the current contacts."""
        return self.data.contact.geom[: self.data.ncon]

    def grasp(self, pairs: np.ndarray) -> int:
        """Robotiq object detection (reference definition).

        INWARD_GRASP / OUTWARD_GRASP (by the sign of the last gripper command) when
        each finger pad touches some geom other than the two pads and the command's
        magnitude is at least MIN_GRASP_COMMAND; NO_GRASP otherwise.
        """
        if abs(self.last_gripper_command) < MIN_GRASP_COMMAND:
            return NO_GRASP
        pad_to_other = self._is_pad[pairs] & ~self._is_pad[pairs[:, ::-1]]  # [ncon, 2]
        for pad in self.scene.pad_geoms:
            if not np.any(pad_to_other & (pairs == pad)):
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
            red_pos=red,
            blue_pos=blue,
            green_pos=green,
            red_half_height=red_half_height,
            blue_half_height=blue_half_height,
            gripper_angle=self.gripper_angle(),
            grasp=self.grasp(pairs),
            red_touches_blue=float(self._is_blue[touching_red].any()),
            red_touches_ground=float(self._is_ground[touching_red].any()),
            red_touches_robot=float(self._is_robot[touching_red].any()),
        )


def finger_reading(joint_position: float, joint_range: float) -> float:
    """The Robotiq reading of a driver joint position: 0 (open) .. 255 (closed), rounded."""
    return float(round(min(max(float(joint_position) / joint_range, 0.0), 1.0) * GRIPPER_RANGE))


def positive_leading(poses: np.ndarray) -> np.ndarray:
    """Flips the wxyz quaternion of [..., 7] poses (in place) so that w >= 0; returns `poses`."""
    quaternions = poses[..., 3:]
    quaternions *= np.where(quaternions[..., :1] < 0.0, -1.0, 1.0)
    return poses
