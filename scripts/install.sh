#!/usr/bin/env bash
# Creates .venv with the locked dependency set (requirements.lock) and chef in
# editable mode. Idempotent; `make` reruns it only when the lock changes.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
UV_VERSION=0.13.8

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "error: $PYTHON not found. chef needs Python 3.11 (dm-reverb 0.14 has no wheel for other versions)." >&2
  exit 1
fi

# Headless rendering (MUJOCO_GL=egl) needs the EGL loader and Mesa's drivers.
if ! ldconfig -p 2>/dev/null | grep -q 'libEGL.so.1'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing EGL/Mesa for headless rendering"
    apt-get update -qq && apt-get install -y -qq libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 >/dev/null
  else
    echo "error: libEGL.so.1 not found; install libegl1 libegl-mesa0 libgl1-mesa-dri (Debian/Ubuntu)." >&2
    exit 1
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q "uv==$UV_VERSION"
# Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set (as on these machines) Python never
# caches it, and every process then compiles TensorFlow's and JAX's sources again on import: 2.6x
# the CPU time per process start (benchmarks/import_time.py), paid by every node of every stage.
"$VENV/bin/uv" pip sync -q --compile-bytecode --python "$VENV/bin/python" requirements.lock
"$VENV/bin/uv" pip install -q --python "$VENV/bin/python" --no-deps -e envs/rgb_stacking_env -e .
"$VENV/bin/python" - <<'PY'
import reverb, tensorflow, jax, flax, optax, rlax, mujoco, dm_control, rlds, tensorflow_datasets, ray
from dm_robotics.moma.models.robots.robot_arms import sawyer
import chef, rgb_stacking_env
print(f"chef environment ready: jax {jax.__version__}, tensorflow {tensorflow.__version__}, mujoco {mujoco.__version__}")
PY
touch "$VENV/.installed"
