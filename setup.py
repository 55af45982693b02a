"""chef: collect-and-infer and MT-Opt multi-task RL on RGB-Stacking, in JAX.

The exact, tested dependency set is requirements.lock (install with
`make install`); the ranges below only name what the code imports.
"""
import setuptools

INSTALL_REQUIRES = [
    "dm-reverb==0.14.0", "tensorflow-cpu==2.15.1", "numpy<2", "jax==0.4.34",
    "jaxlib==0.4.34", "flax", "optax", "rlax", "chex", "distrax",
    "tensorflow-probability==0.23.0", "tensorflow-datasets", "rlds",
    "mujoco==3.1.6", "dm-control==1.0.15", "dm-env", "dm-tree",
    "dm-robotics-moma==0.9.0", "dm-robotics-manipulation==0.9.0", "absl-py",
    "ml-collections", "orbax-checkpoint", "ray", "gymnasium", "tqdm",
    "imageio", "imageio-ffmpeg", "matplotlib", "pandas",
]
EXTRAS = {
    "dev": ["pytest", "pytest-xdist"],
    "notebook": ["nbclient", "nbformat", "ipykernel"],
}

setuptools.setup(
    name="chef",
    version="0.1.0",
    description=__doc__.splitlines()[0],
    python_requires=">=3.11,<3.12",
    packages=setuptools.find_packages(include=["chef", "chef.*", "rgb_stacking_env", "rgb_stacking_env.*", "experiments"]),
    package_data={"rgb_stacking_env": ["assets/**/*"]},
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS,
)
