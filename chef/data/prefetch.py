"""Background-thread prefetching of batches, so a learner's `next()` is a queue read.

tf.data prefetches tensors; turning them into numpy (and, with `transform=jax.device_put`,
into device arrays) still costs the learner's thread time on every `next()`. A
`ThreadPrefetcher` does that work while the learner computes.
"""

import queue
import threading
from typing import Callable, Generic, Iterator, Optional, TypeVar

T = TypeVar("T")

_END = object()


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


class ThreadPrefetcher(Iterator[T], Generic[T]):
    """Iterates `iterator` (optionally mapped by `transform`) in a daemon thread, `buffer_size`
    items ahead; errors are re-raised in the consumer, in order."""

    def __init__(self, iterator: Iterator, buffer_size: int = 2, transform: Optional[Callable[..., T]] = None):
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be >= 1, got {buffer_size}")
        self._queue: queue.Queue = queue.Queue(maxsize=buffer_size)
        self._thread = threading.Thread(
            target=self._fill, args=(iterator, transform), daemon=True, name="chef-prefetch"
        )
        self._thread.start()

    def _fill(self, iterator: Iterator, transform: Optional[Callable[..., T]]) -> None:
        try:
            for item in iterator:
                self._queue.put(transform(item) if transform is not None else item)
        except BaseException as error:  # Handed to the consumer, which decides.
            self._queue.put(_Failure(error))
            return
        self._queue.put(_END)

    def __next__(self) -> T:
        item = self._queue.get()
        if item is _END or isinstance(item, _Failure):
            self._queue.put(item)  # Every later call ends or fails the same way.
            if item is _END:
                raise StopIteration
            raise item.error
        return item
