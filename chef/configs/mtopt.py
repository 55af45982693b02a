"""MT-Opt ablation on the RGB scene: bootstrap collection, impersonation x sampling grid.

`decision_period` control steps (20 Hz) make one QT-Opt decision, in collection, training and
evaluation alike (chef.mtopt.decisions); pick_steps / place_steps count control steps.

Variants: 'state' (default; object poses in, CPU-practical) and 'tiny' (seconds-long smoke
run for tests) for chef-mtopt-ablation and chef-mtopt-online (which reads `online`
and the grid's training and evaluation settings); 'detector' and 'detector_tiny' for
chef-mtopt-detector (the ablation's collection per seed with each segment's final frame rendered,
success detector, Table III errors). Usage:
  chef-mtopt-ablation --config=mtopt:state --run_name=ablation
  chef-mtopt-ablation --config=mtopt:tiny --run_name=smoke
  chef-mtopt-online --config=mtopt:state --run_name=online
"""

import ml_collections

from rgb_stacking_env.environment import ACTION_NAMES

DECISION_PERIOD = 5  # 20 Hz control steps per decision: a 300-step pick (15 s) is 60 decisions.
# Segment lengths in control steps, from benchmarks/mtopt_segments.py (docs/mt_opt.md, session 21):
# the noise-free pick, which grasps again across the other faces after a failed grasp, lifted within
# 300 steps in 40 of 40 chains at decisions of 0.25 s and in 113 of 120 at 0.5 s (within 250: 39 of
# 40 and 102 of 120); every place after a lift that succeeded within 400 steps did so within 150.
PICK_STEPS, PLACE_STEPS = 300, 150
GRIPPER_DIM = ACTION_NAMES.index("gripper")  # A switch (> 0 closes): CEM tries only open and closed.
# QT-Opt's state inputs: the pinch pose, the gripper, each object's pose and its pose relative to the
# pinch (`to_pinch`: where to move to grasp it, without the network having to subtract two poses).
STATE_KEYS = (
    "sawyer/pinch/pose",
    "gripper/joints/angle",
    "gripper/grasp",
    "rgb30_red/abs_pose",
    "rgb30_green/abs_pose",
    "rgb30_blue/abs_pose",
    "rgb30_red/to_pinch",
    "rgb30_green/to_pinch",
    "rgb30_blue/to_pinch",
)


def detector_config(variant: str) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    # Collection runs without cameras; the basket cameras render each segment's final frame once.
    c.env = dict(object_set="1", observation_set="state")
    c.frame_size = 64  # Pixels, square.
    c.seeds = (0, 1, 2, 3, 4, 5)  # One collection per seed; the seed is the held-out split's group.
    c.holdout_seeds = (5,)
    c.threshold = 0.5
    # The ablation's collection (same decision period, noise and exploration), so that its
    # datasets can be routed with this detector's labels (chef-mtopt-ablation --config.detector_dir).
    c.decision_period = DECISION_PERIOD
    c.episode_end = "success"
    c.collection = _state_collection()
    c.collection.num_chains = 667  # Per seed: 8,004 segments in all, about 1,000 collected for each task.
    # An earlier chef-mtopt-detector stage directory whose final frames this run trains on instead of
    # collecting (its seeds, env, frames and collection must equal this config's); "" = collect.
    c.frames_from = ""
    c.detector = dict(
        num_steps=9000,  # 3,000 left place-any's held-out FN at 12.8 %, 9,000 at 0.9 % (docs/mt_opt.md).
        batch_size=64,
        learning_rate=1e-3,
        conv_channels=(16, 32, 32),
        embedding_size=64,
        hidden_sizes=(64,),
    )
    if variant == "detector_tiny":
        c.frame_size = 16
        c.seeds, c.holdout_seeds = (0, 1), (1,)
        c.collection.update(num_chains=1, pick_steps=10, place_steps=10)
        c.detector.update(num_steps=3, batch_size=8, conv_channels=(8,), embedding_size=8, hidden_sizes=(8,))
    return c


def _state_collection() -> ml_collections.ConfigDict:
    """The bootstrap collection of the 'state' ablation. Velocity noise is per decision, held for
    decision_period control steps. Exploration: per decision, uniform random arm velocities (the
    gripper keeps the phase's command) and rare gripper flips, rarer where the gripper holds an
    object (chef.mtopt.bootstrap). With these settings, before the second grasp and with 250-step
    picks (session 12), the scripted pick lifted in 75 % of 60 chains and 98 % of places after a lift
    succeeded (67 % and 100 % without exploration; 5 % of picks with flips at 0.5; docs/mt_opt.md).
    Picks that approach from beside the object (level_approach_probability) are off by default."""
    return ml_collections.ConfigDict(
        dict(
            num_chains=300,
            pick_steps=PICK_STEPS,
            place_steps=PLACE_STEPS,
            aim_noise=0.01,
            action_noise=0.08,
            random_action_probability=0.1,
            gripper_flip_probability=0.05,
            held_flip_probability=0.01,
            level_approach_probability=0.0,
        )
    )


def get_config(variant: str = "state") -> ml_collections.ConfigDict:
    if variant in ("detector", "detector_tiny"):
        return detector_config(variant)
    if variant not in ("state", "tiny"):
        raise ValueError(f"unknown variant {variant!r}; valid: state, tiny, detector, detector_tiny")
    c = ml_collections.ConfigDict()
    c.seed = 0
    c.env = dict(object_set="1", observation_set="state")
    c.dataset_dir = ""  # Existing RLDS directories to train on, comma-separated; "" collects a new one.
    c.extra_tasks = ()  # New tasks (e.g. 'place-blue-on-red') relabelled onto the data.
    # A chef-mtopt-detector stage directory: route with its detector's labels instead of the
    # predicates ("" = predicates). dataset_dir must hold episodes of that run's datasets.
    c.detector_dir = ""
    c.decision_period = DECISION_PERIOD  # Control steps per QT-Opt decision (collection, training, evaluation).
    # Where episodes end, in collection, training targets and evaluation alike: 'success' (MT-Opt: at the
    # collected-for task's first success or TERMINATE) or 'deadline' (at the step limit; chef.mtopt.collection).
    c.episode_end = "success"
    c.collection = _state_collection()
    c.qtopt = dict(
        observation_keys=STATE_KEYS,
        num_tasks=8,
        torso_hidden_sizes=(256, 256),
        head_hidden_sizes=(256,),
        learning_rate=3e-4,
        batch_size=128,
        # Fast targets: each target refresh propagates the end-of-segment reward one decision back,
        # and a 30-decision segment needs about 30 refreshes of the lagged target.
        target_tau=0.02,
        lagged_target_period=100,
        cem=dict(num_samples=64, num_elites=6, num_iterations=2, binary_dims=(GRIPPER_DIM,)),
        # Not in MT-Opt: a CQL-style penalty on Q away from the data's actions (docs/mt_opt.md).
        conservative_weight=0.0,
        conservative_samples=16,
        conservative_actions="uniform",  # or 'cem': lower Q at CEM's greedy action instead.
    )
    # bc_steps: a reference row, behaviour cloning per task on its f_skill successes (0 = no row).
    # terminate_fraction: MT-Opt's TERMINATE action, with this share of hindsight terminate examples
    # per batch (chef.mtopt.terminate; 0 = episodes run to their step limit).
    c.grid = dict(
        strategies=("orig", "all", "skill", "skill_p"),
        samplers=("uniform", "rebalanced"),
        p_success=1.0,
        p_failure=0.5,
        num_steps=3500,
        gamma=0.95,
        n_step=1,  # Transitions per target (chef.data.nstep; 1 = QT-Opt's).
        success_fraction=0.5,
        eval_episodes=8,
        pick_steps=PICK_STEPS,
        place_steps=PLACE_STEPS,
        bc_steps=3000,
        bc_learning_rate=1e-3,
        terminate_fraction=0.0,
    )
    # Online loop (chef.mtopt.online.OnlineConfig): rounds of training on all data so far, then collection
    # by the learned policy; a quarter of the chains stays scripted. Strategy / sampler of the learner.
    c.online = dict(
        rounds=5,
        steps_per_round=2000,
        chains_per_round=60,
        epsilon=0.2,
        scripted_fraction=0.25,
        strategy="skill",
        sampler="rebalanced",
    )
    if variant == "tiny":
        c.decision_period = 2
        c.collection.update(num_chains=3, pick_steps=12, place_steps=12)
        c.qtopt.update(
            torso_hidden_sizes=(16,),
            head_hidden_sizes=(16,),
            batch_size=8,
            cem=dict(num_samples=8, num_elites=2, num_iterations=1, binary_dims=(GRIPPER_DIM,)),
        )
        c.grid.update(num_steps=3, eval_episodes=1, pick_steps=6, place_steps=6, bc_steps=0)
        c.online.update(rounds=2, steps_per_round=3, chains_per_round=1, scripted_fraction=0.0)
    return c
