"""The time left is estimated from batches actually measured (issue 10, defect 17)."""

import pytest

from cnnstudio.gui.eta import MIN_BATCHES, MIN_SECONDS, RemainingTime


def test_no_estimate_until_a_few_batches_and_a_second_have_been_timed():
    eta = RemainingTime()
    eta.batch(now=100.0, done=1, total=1001, batches_per_epoch=100)  # the warm-up batch
    assert eta.estimate() is None
    eta.batch(
        now=100.0 + 5 * MIN_SECONDS, done=1 + MIN_BATCHES - 1, total=1001, batches_per_epoch=100
    )
    assert eta.estimate() is None  # long enough, but too few batches
    eta.batch(now=100.0 + MIN_SECONDS / 2, done=1 + MIN_BATCHES, total=1001, batches_per_epoch=100)
    assert eta.estimate() is None  # enough batches, too short a time


def test_the_rate_is_measured_after_the_warm_up_batch_and_pauses_do_not_count():
    eta = RemainingTime()
    eta.batch(now=10.0, done=1, total=201, batches_per_epoch=100)  # first seen after a slow start
    eta.pause(now=11.0)
    eta.resume(now=41.0)  # half a minute paused
    eta.batch(now=50.0, done=101, total=201, batches_per_epoch=100)
    # 100 batches in 40 s less 30 s paused: 0.1 s each, 100 left.
    assert eta.estimate() == pytest.approx(10.0)


def test_after_an_epoch_its_measured_time_prices_each_remaining_epoch():
    eta = RemainingTime()
    eta.batch(now=0.0, done=1, total=300, batches_per_epoch=100)
    eta.batch(now=5.0, done=100, total=300, batches_per_epoch=100)
    eta.epoch(seconds=8.0)  # validation included
    assert eta.estimate() == pytest.approx(16.0)  # two epochs left
