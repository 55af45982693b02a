"""Replays a recorded episode from its seed and actions into a video, and prints how far the
replayed observations are from the recorded ones (chef.data.replay).

  chef-replay-episode --dataset=runs/R/collect/datasets/actor_0 --episode=3 --output=episode_3.mp4
"""

from absl import flags

from chef.data import layout, replay
from chef.launch import cli

_DATASET = flags.DEFINE_string("dataset", None, "Episode dataset directory (RLDS, written by chef).", required=True)
_EPISODE = flags.DEFINE_integer("episode", 0, "Index of the episode to replay.")
_OUTPUT = flags.DEFINE_string("output", "replay.mp4", "Video path (.mp4 or .gif).")
_SIZE = flags.DEFINE_integer("size", 480, "Height of the main view in pixels (a multiple of 16).")
_WITH_BASKET = flags.DEFINE_bool("with_basket_cameras", True, "Append the three basket cameras below.")


def validate():
    layout.load_layout(_DATASET.value)


def main():
    try:
        result = replay.replay_to_video(_DATASET.value, _EPISODE.value, _OUTPUT.value, _SIZE.value, _WITH_BASKET.value)
    except layout.DatasetError as e:
        cli.fail(str(e))
    print(f"{replay.summary(result)}; wrote {len(result.frames)} frames to {_OUTPUT.value}")


def run() -> None:
    """Console script entry point."""
    cli.run(main, validate)


if __name__ == "__main__":
    run()
