"""COLLECT: online multi-task RL (SAC-X scheduler + distributional MPO), every episode to RLDS.

Variants: 'state' (default; object poses as inputs, practical on CPU), 'state_lift' (the state
agent on the first two skills only, reach_grasp and lift, with the cube as red: the learning-evidence
run of docs/results.md), 'state_stack' (the state agent on reach_grasp, lift and stack_leave,
triplet 4, half of the episodes scripted: the data of the stacking pipeline), 'vision' (CHEF's agent
inputs: proprio + haptics + three 64x64 cameras, small ResNet; meant for a GPU learner), 'demo'
(the README's pipeline: minutes on 2 CPU cores) and 'tiny' (smoke runs for tests).
Usage: chef-collect --config=collect:state --config.learner.num_steps=5000
"""

import ml_collections

from rgb_stacking_env.rewards import TASK_NAMES

VARIANTS = ("state", "state_lift", "state_stack", "vision", "demo", "tiny")


def get_config(variant: str = "state") -> ml_collections.ConfigDict:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; valid: {VARIANTS}")
    c = ml_collections.ConfigDict()
    c.seed = 0
    c.env = dict(
        object_set="test_random",
        observation_set="state",
        camera_size=64,
        episode_length=400,
        force_termination_threshold=ml_collections.FieldReference(None, field_type=float),
    )
    c.haptics = True  # Wrist force/torque among the agent's inputs.
    # Observation keys left out of the agent's inputs, e.g. ('action/environment',): the last two
    # actions, from which behaviour cloning learns to repeat the previous action (docs/results.md).
    c.excluded_inputs = ()
    c.scheduler = dict(
        kind="sac_q",
        tasks=TASK_NAMES,
        main_task="stack_leave",
        num_segments=3,
        temperature=1.0,
        epsilon=0.2,
        learning_rate=0.1,
    )
    # Per-task heads run on every (state, sampled action, task) triple: small heads and 10 action
    # samples keep a 6-task update cheap enough that 2 CPU cores also leave room for the actors.
    c.network = dict(
        resnet=ml_collections.FieldReference(None, field_type=str),
        torso_hidden_sizes=(256, 256),
        head_hidden_sizes=(64,),
        share_policy_torso=True,
        share_critic_torso=True,
        num_atoms=51,
        vector_mean=(),
        vector_std=(),
    )
    # episodes: scripted episodes whose statistics standardise the vector inputs before training
    # (stored in config.network.vector_mean / vector_std; 0 = raw inputs); inputs: the observation keys those
    # statistics cover, filled with them (a SWEEP candidate with fewer inputs uses their share).
    c.input_statistics = dict(episodes=0, inputs=())
    # mpo.tasks: the policy/critic heads to train, () = every task of the environment.
    # mpo.demonstration_weight: behaviour cloning of the scripted episodes' actions in every head's
    # policy loss (0 = pure MPO; scripted episodes still feed the critics).
    # mpo.per_dim_epsilon: each action dimension's KL bound, 'divided' (epsilon / A) or 'full'
    # (epsilon, Acme's and rlax's); docs/agents.md.
    c.mpo = dict(
        tasks=(),
        policy_learning_rate=1e-4,
        critic_learning_rate=1e-4,
        num_samples=10,
        target_update_period=100,
        v_min=0.0,
        v_max=100.0,
        demonstration_weight=0.0,
        per_dim_epsilon="divided",
    )
    # chunk_length: steps per Reverb chunk; a sampled item ships whole chunks, and chunks of one step
    # cost the learner 12-25 % less CPU per batch than auto-tuned ones (benchmarks/replay_sampling.py).
    c.adder = dict(n_step=5, discount=0.99, chunk_length=1)
    # data_path 'learner': actors send each transition once to a Reverb queue and the learner keeps
    # the replay in its own process (chef/replay/resident.py); 'reverb': the learner samples a Reverb
    # replay table (several learners may share it; pixel observations are stored once per step).
    c.replay = dict(data_path="learner", max_size=1_000_000, min_size=2_000, samples_per_insert=32.0)
    # updates_per_step: updates per jitted call (lax.scan over that many batches). offline_input: how
    # SWEEP and FINE-TUNE read the datasets, 'memory' (read once into numpy) or 'stream' (tf.data).
    c.learner = dict(
        batch_size=256,
        num_steps=200_000,
        publish_period=100,
        checkpoint_period=2_000,
        log_period=100,
        updates_per_step=10,
        offline_input="memory",
    )
    # scripted_fraction: share of actor episodes run by the noisy scripted stacking policy (0 = pure RL).
    c.actors = dict(num_actors=2, max_restarts=3, scripted_fraction=0.0, scripted_noise=0.2)
    # One head's policy mean per evaluator episode, cycling over `tasks` (() = every head).
    c.evaluator = dict(enabled=True, period_s=300.0, tasks=())
    # Final evaluation of a stage's policy (COLLECT, each EXECUTE candidate, FINE-TUNE).
    c.evaluation = dict(episodes_per_triplet=20, triplets=("1", "2", "3", "4", "5"))
    if variant == "state_lift":
        # Two heads instead of six (each update about half the cost), SAC-Q choosing which of them
        # acts in each half of the episode, triplet 4 (red is the 5 cm cube: the scripted policy
        # lifts it in 92 % of episodes, docs/environment.md), a quarter of the episodes scripted and
        # cloned, and standardised inputs.
        c.env.object_set = "4"
        c.scheduler.tasks = ("reach_grasp", "lift")
        c.scheduler.main_task = "lift"
        c.scheduler.num_segments = 2
        c.mpo.tasks = ("reach_grasp", "lift")
        c.actors.scripted_fraction = 0.25
        c.mpo.demonstration_weight = 1.0
        c.input_statistics.episodes = 10
        c.evaluator.period_s = 30.0
        c.evaluation.triplets = ("4",)
    if variant == "state_stack":
        # Three of CHEF's six heads (the skills stacking is made of), triplet 4, half of the episodes
        # by the noisy scripted stacker (it stacks in about 80 % of them) and cloned, standardised
        # inputs without the previous actions (with them, cloning repeats the last action and
        # never closes the gripper: docs/results.md): enough successful stacks on 2 CPU cores for
        # the offline rows of Table II-C.
        c.excluded_inputs = ("action/environment",)
        c.env.object_set = "4"
        c.scheduler.tasks = ("reach_grasp", "lift", "stack_leave")
        c.mpo.tasks = ("reach_grasp", "lift", "stack_leave")
        c.actors.scripted_fraction = 0.5
        c.mpo.demonstration_weight = 1.0
        c.input_statistics.episodes = 10
        c.learner.num_steps = 20_000
        c.evaluator.period_s = 60.0
        c.evaluation.triplets = ("4",)
    if variant == "vision":
        c.replay.data_path = "reverb"
        c.learner.offline_input = "stream"  # Pixel transitions are too big to hold twice in memory.
        c.env.observation_set = "vision"
        c.network.resnet = "small"
        c.learner.batch_size = 64
    if variant == "demo":
        c.env.episode_length = 200
        c.network.torso_hidden_sizes = (128, 128)
        c.replay.min_size = 1_000
        c.replay.samples_per_insert = 8.0
        c.learner.batch_size = 128
        c.learner.num_steps = 2_000
        c.learner.publish_period = 50
        c.learner.checkpoint_period = 500
        c.learner.log_period = 50
        c.evaluator.period_s = 60.0
        c.evaluation.episodes_per_triplet = 2
    if variant == "tiny":
        c.env.object_set = "4"
        c.env.episode_length = 40
        c.network.torso_hidden_sizes = (32,)
        c.network.head_hidden_sizes = (32,)
        c.network.num_atoms = 11
        c.mpo.num_samples = 4
        c.replay.min_size = 50
        c.replay.samples_per_insert = 4.0
        c.learner.batch_size = 16
        c.learner.num_steps = 100
        c.learner.publish_period = 20
        c.learner.checkpoint_period = 50
        c.learner.log_period = 10
        c.actors.num_actors = 1
        c.evaluator.period_s = 5.0
        c.evaluation.episodes_per_triplet = 1
    return c
