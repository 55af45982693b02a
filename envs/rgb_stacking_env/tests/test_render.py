"""The video tool writes a playable file."""

import imageio.v3 as iio
from absl import flags
from absl.testing import flagsaver

from rgb_stacking_env import render_cli


def test_render_writes_a_video(tmp_path):
    out = tmp_path / "episode.mp4"
    flags.FLAGS.mark_as_parsed()
    with flagsaver.flagsaver(triplet="4", policy="random", out=str(out), steps=6, size=96):
        render_cli.main([])
    frames = iio.imread(out)  # [T, H, W, 3]
    assert frames.shape[0] == 6
    assert frames.shape[2] == 3 * (96 * 4 // 9 // 16 * 16)
