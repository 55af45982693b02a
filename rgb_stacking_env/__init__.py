"""The RGB-Stacking benchmark (Sawyer, red-on-blue stacking) in MuJoCo."""
import os

# Headless rendering by default; set MUJOCO_GL=disable to skip cameras entirely.
os.environ.setdefault("MUJOCO_GL", "egl")
