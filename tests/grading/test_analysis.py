"""Item analysis against values computed by hand (§6.3.2.2, §7.3.1)."""

import numpy as np
import pytest

from skillcert.grading.analysis import Bounds, analyse, encode

# Five candidates, three items scored 0/1. Totals 3, 2, 1, 1, 0: mean 1.4, variance (÷ n) 1.04.
X = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0]])


def test_difficulty_reliability_and_sem_by_hand():
    stats = analyse(X, np.ones(3))
    assert [i.p for i in stats.items] == pytest.approx([0.6, 0.6, 0.2])
    assert stats.mean == pytest.approx(1.4)
    assert stats.sd == pytest.approx(1.04 ** 0.5)
    # KR-20 = k/(k−1) · (1 − Σpq / σ²) = 1.5 · (1 − 0.64/1.04) = 0.576923…
    assert stats.alpha == pytest.approx(1.5 * (1 - 0.64 / 1.04))
    # SEM = σ · √(1 − α) = √(1.04 · 0.4230769…) = √0.44
    assert stats.sem == pytest.approx(0.44 ** 0.5)


def test_corrected_point_biserial_by_hand():
    stats = analyse(X, np.ones(3))
    # item 1: x = 1 1 1 0 0, rest = 2 1 0 1 0 → cov .12, var .24 and .56 → .12/√.1344
    assert stats.items[0].r_pb == pytest.approx(0.12 / 0.1344 ** 0.5)
    # item 3: x = 1 0 0 0 0, rest = 2 2 1 1 0 → cov .16, var .16 and .56
    assert stats.items[2].r_pb == pytest.approx(0.16 / (0.16 * 0.56) ** 0.5)


def test_points_are_scaled_by_the_items_maximum():
    stats = analyse(X * np.array([2, 1, 5]), np.array([2, 1, 5]))
    assert [i.p for i in stats.items] == pytest.approx([0.6, 0.6, 0.2])


def test_option_analysis_and_the_flags():
    # Item 1 (key B); candidates sorted by total. The strongest choose distractor C: flagged.
    responses = [["C"], ["B"], ["B"], ["A"], [""]]
    scores = np.array([[0, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]], float)
    codes, labels = encode([[*r, "B", "B", "B"] for r in responses])
    stats = analyse(scores, np.ones(4), codes=codes, labels=labels, keys=["B", "B", "B", "B"])
    item = stats.items[0]
    assert labels[0] == ["A", "B", "C", ""]
    by = {o.code: o for o in item.options}
    assert by["B"].correct and by["B"].rate == pytest.approx(0.4)
    assert by["C"].rate == pytest.approx(0.2) and by["C"].upper == pytest.approx(0.5) and by["C"].lower == 0
    # upper 27 % of five = two candidates (totals 3 and 3): C and B; lower two (totals 0 and 1): "" and A
    assert by["A"].lower == pytest.approx(0.5) and by["A"].upper == 0
    assert any("干扰项 C" in f for f in item.flags)
    assert not any("干扰项 A" in f for f in item.flags)


def test_bounds_flag_too_easy_too_hard_and_weak_items():
    scores = np.array([[1, 0, 1], [1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 0, 1]], float)
    stats = analyse(scores, np.ones(3), bounds=Bounds(p_min=0.25, p_max=0.95, r_min=0.2))
    assert any("过易" in f for f in stats.items[0].flags)
    assert any("过难" in f for f in stats.items[1].flags)
    assert stats.items[0].r_pb is None  # everyone right: no correlation, no flag
    assert any("区分度低" in f for f in stats.items[1].flags)
