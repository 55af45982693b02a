"""MT-Opt's TERMINATE action: the policy ends its episode, and success is judged there.

With it, the Q-function's action has one more dimension after the environment's A: a switch
that ends the episode when > 0 (CEM scores it only at its bounds, as the gripper). Ending is
judged at once: Q(s, [a, TERMINATE], task) has the target success(s, task), with no
bootstrap. Continuing keeps the usual target gamma * V(s'). So V(s) = max(success(s),
gamma * E V(s')): a state that already satisfies the task is worth 1, and the value rises
as the state nears success, instead of depending on how many steps remain to a fixed
horizon that the state does not show.

Offline data holds no TERMINATE decision. Every recorded step s_t provides one in
hindsight, labelled with the task's predicate on s_t (`episodes.EpisodeTable.step_labels`).
"""

import numpy as np

CONTINUE, TERMINATE = -1.0, 1.0


def q_action_bounds(action_min: np.ndarray, action_max: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The environment's action box [A] extended by the switch: [A + 1] each."""
    return (
        np.append(np.asarray(action_min, np.float32), np.float32(CONTINUE)),
        np.append(np.asarray(action_max, np.float32), np.float32(TERMINATE)),
    )


def split(action: np.ndarray) -> tuple[np.ndarray, bool]:
    """A Q-action [A + 1] -> (the environment's action [A], whether it terminates)."""
    action = np.asarray(action)
    return action[:-1], bool(action[-1] > 0)
