import threading

import pytest

from chef.data import prefetch


def test_items_arrive_in_order_transformed_then_end():
    items = list(prefetch.ThreadPrefetcher(iter(range(10)), buffer_size=3, transform=lambda x: x * x))
    assert items == [x * x for x in range(10)]


def test_work_happens_off_the_consumer_thread():
    threads = []

    def record(x):
        threads.append(threading.current_thread().name)
        return x

    assert next(prefetch.ThreadPrefetcher(iter([1]), transform=record)) == 1
    assert threads == ["chef-prefetch"]


def test_errors_reach_the_consumer_after_the_good_items():
    def failing():
        yield 1
        raise ValueError("corrupt dataset shard /data/x")

    iterator = prefetch.ThreadPrefetcher(failing())
    assert next(iterator) == 1
    for _ in range(2):
        with pytest.raises(ValueError, match="/data/x"):
            next(iterator)
    with pytest.raises(ValueError, match="buffer_size"):
        prefetch.ThreadPrefetcher(iter([]), buffer_size=0)
