"""Writes a video of one episode (console script `rgb-stacking-render`).

rgb-stacking-render --triplet=1 --policy=scripted --out=episode.mp4
python -m rgb_stacking_env.render_cli --triplet=4 --policy=random --steps=100
"""

from absl import app, flags, logging

from rgb_stacking_env.render import render_episode, write_video

_TRIPLET = flags.DEFINE_string("triplet", "1", "Object set: 1..5, test_random, train_random, heldout_random.")
_POLICY = flags.DEFINE_enum("policy", "scripted", ["scripted", "random"], "Policy to run.")
_OUT = flags.DEFINE_string("out", "episode.mp4", "Output video path (.mp4 or .gif).")
_SEED = flags.DEFINE_integer("seed", 0, "Environment and policy seed.")
_STEPS = flags.DEFINE_integer("steps", 400, "Episode length (control steps, 20 per second).")
_SIZE = flags.DEFINE_integer("size", 480, "Height of the main view in pixels (a multiple of 16).")
_WITH_BASKET = flags.DEFINE_bool("with_basket_cameras", True, "Append the three basket cameras below.")


def main(argv: list[str]) -> None:
    del argv
    frames, rewards = render_episode(
        _TRIPLET.value, _POLICY.value, _SEED.value, _STEPS.value, _SIZE.value, _WITH_BASKET.value
    )
    write_video(_OUT.value, frames)
    logging.info("wrote %d frames to %s; final rewards %s", len(frames), _OUT.value, rewards)


def run() -> None:
    """Console script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
