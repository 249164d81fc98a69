import itertools
import random

from cj_pipeline.lib.publish.disclosure import Relation, primary_suppression, recoverable_cells, suppress


def _publish(values, suppressed):
    return {k: (None if k in suppressed else v) for k, v in values.items()}


def test_small_counts_are_suppressed_and_others_are_not():
    values = {"a": 0, "b": 1, "c": 4, "d": 5, "e": None}
    assert primary_suppression(values) == {"b", "c"}


def test_a_lone_suppressed_part_gets_a_complement():
    values = {"total": 30, "a": 3, "b": 12, "c": 15}
    relation = Relation("total", ("a", "b", "c"))
    suppressed = suppress(values, [relation])
    assert suppressed == {"a", "b"}  # b is the smallest non-zero published part
    assert recoverable_cells(_publish(values, suppressed), suppressed, [relation]) == set()


def test_zero_never_serves_as_the_complement():
    values = {"total": 22, "a": 2, "b": 0, "c": 20}
    suppressed = suppress(values, [Relation("total", ("a", "b", "c"))])
    assert "b" not in suppressed and "c" in suppressed


def test_total_suppressed_when_no_part_can_be():
    values = {"total": 3, "a": 3, "b": 0}
    suppressed = suppress(values, [Relation("total", ("a", "b"))])
    assert suppressed == {"a", "total"}


def test_without_secondary_suppression_a_value_is_recoverable():
    """The check itself must catch a leak, or it proves nothing."""
    values = {"total": 30, "a": 3, "b": 12, "c": 15}
    relation = Relation("total", ("a", "b", "c"))
    primary = primary_suppression(values)
    assert recoverable_cells(_publish(values, primary), primary, [relation]) == {"a"}


def test_random_area_by_measure_tables_leak_nothing():
    """Areas x measures with Scotland totals per measure and a total per area:
    every subtraction along every relation recovers nothing."""
    rng = random.Random(7)
    for _ in range(200):
        areas = [f"area{i}" for i in range(rng.randint(3, 8))]
        measures = [f"m{j}" for j in range(rng.randint(2, 4))]
        values = {(a, m): rng.choice([0, 1, 2, 3, 4, 5, 8, 20, 60]) for a, m in itertools.product(areas, measures)}
        for m in measures:
            values[("Scotland", m)] = sum(values[(a, m)] for a in areas)
        for a in [*areas, "Scotland"]:
            values[(a, "total")] = sum(values[(a, m)] for m in measures)
        relations = [Relation(("Scotland", m), tuple((a, m) for a in areas)) for m in [*measures, "total"]]
        relations += [Relation((a, "total"), tuple((a, m) for m in measures)) for a in [*areas, "Scotland"]]
        suppressed = suppress(values, relations)
        assert primary_suppression(values) <= suppressed
        assert recoverable_cells(_publish(values, suppressed), suppressed, relations) == set()
