"""The cyclic garbage collector is off while a public representation renders
(registry.public.cache.CollectorPause): a cold render of a large list otherwise pays one
or two full collections of the whole heap, the slow rounds of the cold-list benchmark."""

from __future__ import annotations

import gc
import threading
import time

import pytest

from registry.public.cache import CollectorPause, RenderCache


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_a_render_runs_with_the_collector_off_and_it_is_on_again_after(collector_on):
    seen = []

    def render():
        seen.append(gc.isenabled())
        return b"{}", "application/json", None

    RenderCache().get("key", render)
    assert seen == [False]
    assert gc.isenabled()


def test_a_failing_render_turns_the_collector_on_again(collector_on):
    def render():
        raise RuntimeError("broken")

    with pytest.raises(RuntimeError):
        RenderCache().get("key", render)
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off(collector_on):
    gc.disable()
    pause = CollectorPause()
    with pause():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_renders_share_one_pause(collector_on):
    pause = CollectorPause()
    first_in, second_out = threading.Event(), threading.Event()
    states = []

    def first():
        with pause():
            first_in.set()
            second_out.wait(10)
            states.append(("first, after the second ended", gc.isenabled()))

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(10)
    with pause():
        states.append(("second", gc.isenabled()))
    states.append(("between", gc.isenabled()))
    second_out.set()
    thread.join(10)
    assert states == [("second", False), ("between", False),
                      ("first, after the second ended", False)]
    assert gc.isenabled()


def test_renders_that_overlap_without_a_break_still_let_the_collector_run(collector_on):
    pause = CollectorPause(longest=0.05)
    collections = []

    def counted(phase, info):
        if phase == "stop":
            collections.append(info["generation"])

    holder_in, release = threading.Event(), threading.Event()

    def holder():
        with pause():
            holder_in.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert holder_in.wait(10)
    gc.callbacks.append(counted)
    try:
        with pause():
            pass
        assert collections == []  # the pause is younger than `longest`
        time.sleep(0.06)
        with pause():
            pass
        assert collections == [2]  # one full collection, though the holder still renders
        with pause():
            pass
        assert collections == [2]  # and the clock starts again
    finally:
        gc.callbacks.remove(counted)
        release.set()
        thread.join(10)
    assert gc.isenabled()
