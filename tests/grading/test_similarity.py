"""Answer similarity screening (表B.1 雷同试卷): a planted copying pair is found; honest candidates are flagged
no more often than the stated false-alarm rate."""

import numpy as np
import pytest

from skillcert.grading.similarity import Pair, clusters, screen, upper_tail


def sitting(n: int, k: int, rng: np.random.Generator, options: int = 4):
    """Honest candidates: ability θ, item difficulty b; right with probability 1/(1+e^(b−θ)); a wrong
    candidate picks one of the item's distractors by the item's own preference, whoever they are."""
    theta, b = rng.normal(0, 1, n), rng.normal(0, 1, k)
    keys = rng.integers(0, options, k)
    right = rng.random((n, k)) < 1 / (1 + np.exp(b[None, :] - theta[:, None]))
    codes = np.empty((n, k), dtype=np.int16)
    for t in range(k):
        distractors = [o for o in range(options) if o != keys[t]]
        preference = rng.dirichlet(np.ones(options - 1) * 2)
        codes[:, t] = np.where(right[:, t], keys[t], rng.choice(distractors, size=n, p=preference))
    return codes, keys


def test_a_planted_copier_is_found_and_grouped_with_the_source():
    rng = np.random.default_rng(7)
    codes, keys = sitting(300, 100, rng)
    codes[41] = np.where(rng.random(100) < 0.85, codes[17], codes[41])  # 41 copied 85 % of 17's answers
    codes[42] = np.where(rng.random(100) < 0.85, codes[17], codes[42])  # and so did 42
    result = screen(codes, keys, alpha=0.05)
    flagged = {(p.a, p.b) for p in result.flagged}
    assert (17, 41) in flagged and (17, 42) in flagged
    assert [17, 41, 42] in result.clusters
    assert result.pairs_tested == 300 * 299 // 2
    top = result.flagged[0]
    assert top.identical_wrong > 2 * top.expected and top.p < 0.05 / result.pairs_tested


def test_honest_sittings_raise_false_alarms_at_most_at_the_stated_rate():
    """Bonferroni at α = 0.2: at most a 20 % chance of any false alarm per sitting; 40 honest sittings."""
    rng = np.random.default_rng(2026)
    alarmed = sum(bool(screen(*sitting(150, 60, rng), alpha=0.2).flagged) for _ in range(40))
    assert alarmed <= 8 + 6  # expectation ≤ 8; 6 is 2.5 standard deviations of a binomial(40, 0.2)


def test_the_exact_tail_matches_enumeration():
    import itertools

    pis = np.array([0.3, 0.5, 0.8, 0.1])
    for x in range(6):
        expected = sum(np.prod([q if hit else 1 - q for q, hit in zip(pis, hits, strict=True)])
                       for hits in itertools.product([0, 1], repeat=4) if sum(hits) >= x)
        assert upper_tail(pis, x) == pytest.approx(expected)


def test_three_copiers_of_one_source_form_one_cluster():
    rng = np.random.default_rng(3)
    codes, keys = sitting(200, 80, rng)
    for copier in (5, 6, 7):
        codes[copier] = np.where(rng.random(80) < 0.8, codes[100], codes[copier])
    result = screen(codes, keys, alpha=0.05)
    assert {(5, 100), (6, 100), (7, 100)} <= {(p.a, p.b) for p in result.flagged}
    assert result.clusters[0][:3] == [5, 6, 7] and 100 in result.clusters[0]


def test_blank_answers_and_unscored_items_are_never_evidence():
    codes = np.zeros((4, 3), dtype=np.int16)  # everyone left every item blank (category 0)
    result = screen(codes, np.array([1, 1, -1]), blank=np.array([0, 0, 0]))
    assert result.flagged == [] and result.pairs_tested == 6


def test_clusters_are_connected_components():
    pairs = [Pair(1, 2, 5, 1.0, 1e-9), Pair(2, 3, 5, 1.0, 1e-9), Pair(7, 8, 4, 1.0, 1e-8)]
    assert clusters(pairs) == [[1, 2, 3], [7, 8]]
