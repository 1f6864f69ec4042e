"""The benchmark's figure arithmetic: a ratio for every figure that has a baseline, whatever was measured."""

from bench.harness import Figure


def test_a_zero_value_against_a_baseline_is_a_ratio_of_zero():
    assert Figure("share", 100, 0.0, "s", 0.5, "wall time", "lower", 0.1).ratio == 0.0
    assert Figure("share", 100, 0.0, "s", 0.5, "wall time", "lower", 0.1).met is True


def test_a_speed_up_over_a_zero_time_has_no_ratio():
    assert Figure("speed", 100, 0.0, "s", 2.0, "loop", "faster").ratio is None


def test_ratios_divide_the_right_way():
    assert Figure("time", 10, 3.0, "s", 2.0, better="lower").ratio == 1.5
    assert Figure("speed", 10, 2.0, "s", 8.0, better="faster").ratio == 4.0
    assert Figure("no baseline", 10, 2.0, "s").ratio is None
