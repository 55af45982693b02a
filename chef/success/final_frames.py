"""Final camera frames of collected segments, rendered once per segment.

A success detector needs only an episode's final image, so collection runs without cameras
(`observation_set='state'`) and `FinalFrameRecorder`, passed to `chef.mtopt.collection.collect`
as `segment_end`, renders the three basket cameras once, where each segment ends. A collection
seed's frames go to one .npz file (`save`, atomic), holding:
  images      [N, C, H, W, 3] uint8  cameras in FRAME_KEYS order
  labels      [N, T] bool            the family's predicates on the simulation at the segment's end
  task        [N] int                the task the segment was collected for
  chain_seed  [N] int                the chain's reset seed; with the task it names the segment's
                                     RLDS episode (`table_labels` joins on the pair)
"""

import io
import os
import pathlib
import zipfile
import zlib
from typing import Callable, NamedTuple, Sequence

import dm_env
import numpy as np

from chef.mtopt import collection
from chef.mtopt.episodes import EpisodeTable
from chef.mtopt.tasks import TaskFamily
from chef.success.training import DetectorDataset
from chef.utils import run_dir
from rgb_stacking_env.cameras import Cameras, basket_cameras
from rgb_stacking_env.scene import CAMERA_NAMES

FRAME_KEYS = tuple(f"{name}/pixels" for name in CAMERA_NAMES)
# The share of (episode, task) pairs whose predicate labels may differ between a frame (the
# simulation) and its joined episode (the stored reward state) before the join is refused as
# pairing different episodes.
MAX_LABEL_DISAGREEMENT = 0.01


def seed_path(directory: str | os.PathLike, seed: int) -> pathlib.Path:
    """Where a detector run in `directory` keeps collection seed `seed`'s frames."""
    return pathlib.Path(directory) / "frames" / f"seed_{seed}.npz"


class FinalFrames(NamedTuple):
    images: np.ndarray  # [N, C, H, W, 3] uint8
    labels: np.ndarray  # [N, T] bool
    task: np.ndarray  # [N] int
    chain_seed: np.ndarray  # [N] int

    def detector_dataset(self) -> DetectorDataset:
        """The detector's examples; each one's group is its collection seed (held-out splits)."""
        groups = np.asarray([collection.collection_seed(s) for s in self.chain_seed], np.int64)
        return DetectorDataset(self.images, self.labels, self.task, groups)


class FinalFrameRecorder:
    """A `collection.SegmentEnd`: renders the basket cameras (`size` pixels square) at each
    segment's end and keeps them with the family's labels. Call `close()` when done."""

    def __init__(self, family: TaskFamily, size: int):
        if size < 8:
            raise ValueError(f"frame size must be >= 8 pixels, got {size}")
        self._family, self._size = family, size
        self._cameras: Cameras | None = None
        self._model = None  # The model the cameras render; a new triplet's scene needs new ones.
        self._rows: dict[str, list] = {field: [] for field in FinalFrames._fields}

    def __call__(self, env: dm_env.Environment, chain_seed: int, task: str, labels: dict[str, bool]) -> None:
        simulation = env.simulation
        if simulation.model is not self._model:
            self.close()
            self._cameras, self._model = basket_cameras(simulation.scene, self._size), simulation.model
        images = self._cameras.render(simulation.data)
        self._rows["images"].append(np.stack([images[k] for k in FRAME_KEYS]))
        self._rows["labels"].append([labels[name] for name in self._family.names])
        self._rows["task"].append(self._family.task_id(task))
        self._rows["chain_seed"].append(chain_seed)

    def __len__(self) -> int:
        return len(self._rows["task"])

    def frames(self) -> FinalFrames:
        if not len(self):
            raise ValueError("no segment has ended yet: nothing to save")
        return FinalFrames(
            np.stack(self._rows["images"]).astype(np.uint8),
            np.asarray(self._rows["labels"], bool),
            np.asarray(self._rows["task"], np.int64),
            np.asarray(self._rows["chain_seed"], np.int64),
        )

    def save(self, path: str | os.PathLike) -> None:
        """Writes the frames so far to `path` (.npz); readers see the whole file or none."""
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **self.frames()._asdict())
        pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        run_dir.atomic_write_bytes(path, buffer.getvalue())

    def close(self) -> None:
        if self._cameras is not None:
            self._cameras.close()
        self._cameras, self._model = None, None


def load(paths: Sequence[str | os.PathLike], family: TaskFamily) -> FinalFrames:
    """The frames of every file in `paths`, in order; a clear error for a missing or damaged one."""
    parts = []
    for path in paths:
        try:
            with np.load(path) as stored:
                part = FinalFrames(*(stored[field] for field in FinalFrames._fields))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as e:
            raise ValueError(f"cannot read final frames {path}: {e}") from e
        if part.labels.shape[1:] != (len(family),):
            raise ValueError(f"{path} has labels for {part.labels.shape[1:]} tasks, the family has {len(family)}")
        if parts and part.images.shape[1:] != parts[0].images.shape[1:]:
            raise ValueError(
                f"{path} holds frames {part.images.shape[1:]}, {paths[0]} holds {parts[0].images.shape[1:]}"
            )
        parts.append(part)
    if not parts:
        raise ValueError("no final-frame files given")
    return FinalFrames(*(np.concatenate(field) for field in zip(*parts)))


def table_labels(
    table: EpisodeTable,
    frames: FinalFrames,
    family: TaskFamily,
    predictor: Callable[[np.ndarray], np.ndarray],
    threshold: float,
) -> np.ndarray:
    """[N, T] bool detector labels of the table's episodes: `predictor` (images [M, C, H, W, 3] ->
    P(success) [M, T]) on the frame of each episode's segment, found by (chain seed, task).

    Refuses a join whose frames' predicate labels disagree with the episodes' (`table.labels`,
    from the predicates) on more than MAX_LABEL_DISAGREEMENT of the pairs: the frames were then
    recorded with other episodes of the same chain seeds (another collection or environment).
    """
    index = {(int(s), int(t)): i for i, (s, t) in enumerate(zip(frames.chain_seed, frames.task))}
    keys = [(int(s), family.task_id(t)) for s, t in zip(table.chain_seeds, table.collected_for)]
    missing = [k for k in keys if k not in index]
    if missing:
        raise ValueError(
            f"{len(missing)} of {len(keys)} episodes have no final frame, e.g. chain seed {missing[0][0]}, "
            f"task {family.names[missing[0][1]]}: were the frames recorded with this dataset?"
        )
    rows = np.asarray([index[k] for k in keys])
    disagreement = float(np.mean(frames.labels[rows] != table.labels))
    if disagreement > MAX_LABEL_DISAGREEMENT:
        raise ValueError(
            f"the frames' predicate labels differ from their episodes' on {disagreement:.1%} of (episode, task) "
            f"pairs: they were recorded with other episodes of the same chain seeds"
        )
    return predictor(frames.images[rows]) >= threshold
