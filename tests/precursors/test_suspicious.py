"""Suspicious-order rules on hand-built histories: each rule fires with the right figures, and not just below."""

from __future__ import annotations

import json
import random
import time
from datetime import date, timedelta

import numpy as np
import pytest

from bicentennial.core.errors import InvalidInput
from bicentennial.core.i18n import gettext_for
from bicentennial.precursors.flag_text import flag_text
from bicentennial.precursors.quantities import MASS, VOLUME
from bicentennial.precursors.suspicious import NEW_IMPORTER_MESSAGE, Flag, Order, SuspicionRules, flag_orders
from bicentennial.precursors.suspicious_support import RunningQuantile, importer_key

DAY = date(2024, 3, 1)


def order(
    ref: str,
    amount: float,
    importer: str = "Química Norte, S.A. de C.V.",
    *,
    day: int | None = None,
    substance: str = "C020",
    family: str = MASS,
    route: tuple[str, ...] = (),
) -> Order:
    when = None if day is None else DAY + timedelta(days=day)
    return Order(ref, importer, substance, amount, family, when, None, route)


def only(flags: dict[str, list[Flag]], ref: str, rule: str) -> Flag | None:
    found = [flag for flag in flags.get(ref, []) if flag.rule == rule]
    assert len(found) <= 1
    return found[0] if found else None


# --- quantity-above-history --------------------------------------------------------------------

HISTORY_8 = [
    order(f"h{i}", amount, "QUIMICA NORTE SA DE CV")
    for i, amount in enumerate([300, 350, 380, 400, 400, 420, 450, 500])
]


def test_history_rule_states_ratio_median_and_count() -> None:
    flags = flag_orders([order("n1", 5000)], history=HISTORY_8)
    flag = only(flags, "n1", "quantity-above-history")
    assert flag is not None
    assert flag.message == (
        "Quantity 5,000 kg is 12.5× the median of this importer's 8 earlier orders of C020 (400 kg); rule: > 5×"
    )
    assert flag.score == pytest.approx(1 - 2000 / (2 * 5000))


@pytest.mark.parametrize(("amount", "fires"), [(2000.01, True), (2000, False), (1999, False)])
def test_history_rule_threshold_is_strict(amount: float, fires: bool) -> None:
    flags = flag_orders([order("n1", amount)], history=HISTORY_8)
    assert (only(flags, "n1", "quantity-above-history") is not None) is fires


def test_history_rule_needs_min_history_of_the_same_family_and_importer() -> None:
    two = HISTORY_8[:2]
    assert only(flag_orders([order("n1", 5000)], history=two), "n1", "quantity-above-history") is None
    loose = SuspicionRules(min_history=2)
    assert only(flag_orders([order("n1", 5000)], history=two, rules=loose), "n1", "quantity-above-history")
    litres = [order(f"v{i}", 100, family=VOLUME) for i in range(8)]
    assert only(flag_orders([order("n1", 5000)], history=litres), "n1", "quantity-above-history") is None
    other = [order(f"o{i}", 100, "Otra Química SA") for i in range(8)]
    assert only(flag_orders([order("n1", 5000)], history=other), "n1", "quantity-above-history") is None


def test_history_rule_uses_the_batch_in_day_order() -> None:
    batch = [order("late", 5000, day=10)] + [order(f"b{i}", 400, day=i) for i in range(3)]
    flags = flag_orders(batch)
    flag = only(flags, "late", "quantity-above-history")
    assert flag is not None
    assert "12.5× the median of this importer's 3 earlier orders" in flag.message
    # The big order came last by day, so it is no one's history.
    assert all(only(flags, f"b{i}", "quantity-above-history") is None for i in range(3))


# --- quantity-above-trade ----------------------------------------------------------------------

TRADE_20 = [order(f"t{i}", i + 1, f"Importer {i}") for i in range(20)]  # 1..20 kg: 99th percentile = 19.81


def test_trade_rule_states_the_percentile() -> None:
    flags = flag_orders([order("n1", 40, "Importer 3")], history=TRADE_20)
    flag = only(flags, "n1", "quantity-above-trade")
    assert flag is not None
    assert flag.message == (
        "Quantity 40 kg is 2.02× the 99th percentile of 20 known orders of C020 by all importers (19.81 kg); rule: > 2×"
    )
    assert flag.score == pytest.approx(1 - 39.62 / 80)


@pytest.mark.parametrize(("amount", "fires"), [(39.63, True), (39.62, False), (39.0, False)])
def test_trade_rule_threshold_is_strict(amount: float, fires: bool) -> None:
    flags = flag_orders([order("n1", amount, "Importer 3")], history=TRADE_20)
    assert (only(flags, "n1", "quantity-above-trade") is not None) is fires


def test_trade_rule_needs_min_trade_orders() -> None:
    flags = flag_orders([order("n1", 400, "Importer 3")], history=TRADE_20[:19])
    assert only(flags, "n1", "quantity-above-trade") is None
    custom = SuspicionRules(trade_quantile=0.5, trade_factor=3.0, min_trade=19)
    flag = only(
        flag_orders([order("n1", 400, "Importer 3")], history=TRADE_20[:19], rules=custom), "n1", "quantity-above-trade"
    )
    assert flag is not None
    assert "the 50th percentile of 19 known orders of C020 by all importers (10 kg); rule: > 3×" in flag.message


# --- new-importer ------------------------------------------------------------------------------

OTHERS = [order(f"o{i}", amount, f"Importer {i}") for i, amount in enumerate([100, 200, 300])]


def test_new_importer_low_and_high_scores() -> None:
    small = only(flag_orders([order("small", 150, "Nuevo SA")], history=OTHERS), "small", "new-importer")
    big = only(flag_orders([order("big", 250, "Otro Nuevo LLC")], history=OTHERS), "big", "new-importer")
    assert small == Flag(
        "new-importer", "First order of C020 by this importer; 3 earlier orders of it came from other importers", 0.3
    )
    assert big is not None
    assert big.score == 0.6
    assert big.message == (
        "First order of C020 by this importer, and its quantity 250 kg is above the median of 3 earlier orders"
        " of it by other importers (200 kg)"
    )
    at_median = flag_orders([order("m", 200, "Nuevo SA")], history=OTHERS)
    assert only(at_median, "m", "new-importer") == Flag("new-importer", small.message, 0.3)


def test_new_importer_needs_history_and_knows_the_importer_across_spellings_and_families() -> None:
    assert flag_orders([order("n1", 100)]) == {}
    seen = [*OTHERS, order("mine", 5, "QUIMICA NORTE S.A. DE C.V.", family=VOLUME)]
    assert only(flag_orders([order("n1", 100)], history=seen), "n1", "new-importer") is None
    other_substance = [order(f"x{i}", 10, f"Importer {i}", substance="C001") for i in range(3)]
    assert flag_orders([order("n1", 100)], history=other_substance) == {}


def test_first_order_in_the_batch_by_day_is_the_new_one() -> None:
    flags = flag_orders([order("second", 50, day=5), order("first", 50, day=1)], history=OTHERS)
    assert only(flags, "first", "new-importer") is not None
    assert only(flags, "second", "new-importer") is None


# --- unusual-route -----------------------------------------------------------------------------


def routes(n_us: int, n_pa: int) -> list[Order]:
    usual = [order(f"r{i}", 100, "Importer A", route=("CN", "US", "MX")) for i in range(n_us)]
    return usual + [order(f"p{i}", 100, "Importer A", route=("CN", "PA", "GT", "MX")) for i in range(n_pa)]


def test_route_with_an_unseen_transit_country() -> None:
    flags = flag_orders([order("n1", 100, "Importer A", route=("cn", "co", "mx"))], history=routes(50, 0))
    flag = only(flags, "n1", "unusual-route")
    assert flag == Flag(
        "unusual-route", "Transit country CO appears in 0 of 50 known routes of C020 (0%); rule: < 2%", 0.8
    )


@pytest.mark.parametrize(("n_us", "fires"), [(50, True), (49, False)])
def test_route_share_threshold_is_strict(n_us: int, fires: bool) -> None:
    # One earlier route through PA and GT: 1 of 51 is 1.96% (< 2%), 1 of 50 is exactly 2%.
    flags = flag_orders([order("n1", 100, "Importer A", route=("CN", "PA", "MX"))], history=routes(n_us, 1))
    flag = only(flags, "n1", "unusual-route")
    assert (flag is not None) is fires
    if flag is not None:
        assert flag.message == "Transit country PA appears in 1 of 51 known routes of C020 (1.96%); rule: < 2%"
        assert flag.score == pytest.approx(0.4 + 0.4 * (1 - (1 / 51) / 0.02))


def test_route_with_many_transit_countries() -> None:
    flags = flag_orders([order("n1", 100, "Importer A", route=("CN", "US", "PA", "MX"))], history=routes(50, 1))
    flag = only(flags, "n1", "unusual-route")
    assert flag is not None
    assert flag.message == (
        "Transit country PA appears in 1 of 51 known routes of C020 (1.96%); rule: < 2%; "
        "Route has 2 transit countries; 1 of 51 known routes of C020 (1.96%) have that many or more; rule: < 2%"
    )
    quiet = flag_orders([order("n1", 100, "Importer A", route=("CN", "US", "PA", "MX"))], history=routes(49, 1))
    assert only(quiet, "n1", "unusual-route") is None


def test_route_rule_needs_min_routes() -> None:
    flags = flag_orders([order("n1", 100, "Importer A", route=("CN", "CO", "MX"))], history=routes(19, 0))
    assert only(flags, "n1", "unusual-route") is None
    assert (
        only(
            flag_orders([order("n1", 100, "Importer A", route=("CN", "MX"))], history=routes(50, 0)),
            "n1",
            "unusual-route",
        )
        is None
    )


# --- split-orders ------------------------------------------------------------------------------

LIMIT = {"C020": 1000.0}


def test_split_orders_flag_every_piece_with_refs_and_total() -> None:
    batch = [order("a", 400, day=0), order("b", 350, day=10), order("c", 300, day=29)]
    flags = flag_orders(batch, thresholds=LIMIT)
    expected = (
        "3 orders of C020 by this importer within 30 days (a, b, c), each below the threshold of 1,000 kg,"
        " total 1,050 kg; rule: 3 or more orders within 30 days, each below the threshold, together at or above it"
    )
    for ref in "abc":
        assert only(flags, ref, "split-orders") == Flag("split-orders", expected, 0.6)


@pytest.mark.parametrize(
    "batch",
    [
        [order("a", 400, day=0), order("b", 350, day=10), order("c", 249.99, day=29)],  # total just below
        [order("a", 400, day=0), order("b", 350, day=10), order("c", 300, day=30)],  # span of 31 days
        [order("a", 700, day=0), order("b", 350, day=10)],  # two pieces only
        [order("a", 1000, day=0), order("b", 20, day=1), order("c", 30, day=2)],  # one piece not below
        [order("a", 400, day=0), order("b", 350), order("c", 300, day=2)],  # undated piece
        [order("a", 400, day=0), order("b", 350, day=1, family=VOLUME), order("c", 300, day=2)],  # litres
        [order("a", 400, day=0), order("b", 350, "Otra SA", day=1), order("c", 300, day=2)],  # another importer
    ],
)
def test_split_orders_do_not_fire_below_the_rule(batch: list[Order]) -> None:
    flags = flag_orders(batch, thresholds=LIMIT)
    assert all(only(flags, o.ref, "split-orders") is None for o in batch)


def test_split_orders_at_exactly_the_threshold_and_across_history() -> None:
    history = [order("h1", 400, "QUIMICA NORTE SA DE CV", day=0)]
    batch = [order("b", 350, day=3), order("c", 250, day=5)]
    flags = flag_orders(batch, history=history, thresholds={" c020 ": 1000})
    flag = only(flags, "b", "split-orders")
    assert flag is not None
    assert "within 6 days (h1, b, c)" in flag.message
    assert "total 1,000 kg" in flag.message
    assert "h1" not in flags
    assert flag_orders(batch, thresholds=LIMIT) == {}  # without the history piece there are only two


def test_split_orders_pick_the_largest_group_for_each_piece() -> None:
    # Days 0, 5, 10 form one 30-day group (1,200 kg); days 5, 10, 30, 34 a larger one (1,600 kg).
    batch = [order(f"x{i}", 400, day=d) for i, d in enumerate([0, 5, 10, 30, 34])]
    flags = flag_orders(batch, thresholds=LIMIT)
    first = only(flags, "x0", "split-orders")
    assert first is not None
    assert "3 orders of C020 by this importer within 11 days (x0, x1, x2)" in first.message
    assert first.score == pytest.approx(0.6)
    for ref in ("x1", "x2", "x3", "x4"):
        flag = only(flags, ref, "split-orders")
        assert flag is not None
        assert "4 orders of C020 by this importer within 30 days (x1, x2, x3, x4)" in flag.message
        assert "total 1,600 kg" in flag.message
        assert flag.score == pytest.approx(0.7)


# --- validation, building blocks, speed --------------------------------------------------------


def test_user_errors_name_the_field() -> None:
    with pytest.raises(InvalidInput, match="'a' appears twice"):
        flag_orders([order("a", 1), order("a", 2)])
    with pytest.raises(InvalidInput, match="family 'weight'"):
        order("a", 1, family="weight")
    with pytest.raises(InvalidInput, match="amount -1"):
        order("a", -1)
    with pytest.raises(InvalidInput, match="route code 'MEX'"):
        order("a", 1, route=("US", "MEX"))
    with pytest.raises(InvalidInput, match="history_factor"):
        SuspicionRules(history_factor=0)
    with pytest.raises(InvalidInput, match="Threshold for C020"):
        flag_orders([order("a", 1)], thresholds={"C020": -1})


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Química Norte, S.A. de C.V.", "QUIMICA NORTE SA DE CV"),
        ("Acme Chemicals Co., Ltd.", "acme chemicals"),
        ("Distribuidora del Golfo S. de R.L. de C.V.", "DISTRIBUIDORA DEL GOLFO"),
        ("Smith-Jones Inc.", "smith jones"),
        ("Pacific Trading LLC", "PACIFIC TRADING, L.L.C."),
    ],
)
def test_importer_key_folds_spellings(a: str, b: str) -> None:
    assert importer_key(a) == importer_key(b)


def test_importer_key_keeps_names_apart() -> None:
    assert importer_key("Química Norte SA") != importer_key("Química Sur SA")
    assert importer_key("S.A. de C.V.") != ""  # a name that is only a company form is kept, not emptied


@pytest.mark.parametrize("p", [0.5, 0.9, 0.99, 1.0, 0.01])
def test_running_quantile_matches_numpy(p: float) -> None:
    draws = np.random.default_rng(7).random(500) * 100
    draws[::3] = 5.0  # ties included
    running = RunningQuantile(p)
    values: list[float] = []
    for value in draws.tolist():
        running.add(value)
        values.append(value)
        assert running.value() == pytest.approx(float(np.quantile(values, p)), rel=1e-12, abs=1e-12)


def test_one_hundred_thousand_orders_in_a_few_seconds() -> None:
    rng = random.Random(1)  # noqa: S311 - reproducible test data, not secrets
    countries = ["US", "MX", "CN", "IN", "DE", "PA", "NL", "ES", "GT", "CO"]
    batch = [
        order(
            f"b{i}",
            rng.lognormvariate(5, 1),
            f"Importer {rng.randrange(2000)} S.A. de C.V.",
            day=rng.randrange(365),
            substance=f"C{rng.randrange(1, 60):03d}",
            route=(rng.choice(countries), *rng.sample(countries, rng.choice([0, 0, 1, 2])), "MX"),
        )
        for i in range(100_000)
    ]
    start = time.perf_counter()
    flags = flag_orders(batch, thresholds={f"C{i:03d}": 1000.0 for i in range(1, 60)})
    elapsed = time.perf_counter() - start
    print(f"flag_orders: 100,000 orders in {elapsed:.2f} s, {len(flags)} flagged")
    assert {flag.rule for found in flags.values() for flag in found} >= {"new-importer", "split-orders"}
    assert elapsed < 30


# --- flags in the reader's language ------------------------------------------------------------

ES = gettext_for("es")


def test_a_flag_reads_in_spanish_with_the_same_figures_and_survives_storage() -> None:
    flag = only(flag_orders([order("n1", 5000)], history=HISTORY_8), "n1", "quantity-above-history")
    assert flag is not None
    assert flag.text(str) == flag.message
    spanish = (
        "La cantidad 5,000 kg es 12.5× la mediana de los 8 pedidos anteriores de C020 de este importador (400 kg);"
        " regla: > 5×"
    )
    assert flag.text(ES) == spanish
    stored = json.loads(json.dumps(flag.as_dict()))
    assert stored["message"] == flag.message and stored["params"]["ratio"] == "12.5"
    assert flag_text(stored, ES) == spanish and flag_text(stored, str) == flag.message


def test_percentile_and_joined_route_sentences_in_spanish() -> None:
    trade = only(flag_orders([order("n1", 40, "Importer 3")], history=TRADE_20), "n1", "quantity-above-trade")
    assert trade is not None
    assert (
        "es 2.02× el percentil 99 de 20 pedidos conocidos de C020 de todos los importadores (19.81 kg)"
        in trade.text(ES)
    )
    route = (order("n1", 100, "Importer A", route=("CN", "US", "PA", "MX")),)
    flag = only(flag_orders(route, history=routes(50, 1)), "n1", "unusual-route")
    assert flag is not None
    assert flag.text(ES) == (
        "El país de tránsito PA aparece en 1 de 51 rutas conocidas de C020 (1.96%); regla: < 2%; La ruta tiene 2"
        " países de tránsito; 1 de 51 rutas conocidas de C020 (1.96%) tienen esa cantidad o más; regla: < 2%"
    )
    assert flag_text(json.loads(json.dumps(flag.as_dict())), str) == flag.message


def test_split_flag_naming_only_the_first_ten_pieces_in_both_languages() -> None:
    batch = [order(f"s{i}", 100, day=i) for i in range(12)]
    flag = only(flag_orders(batch, thresholds=LIMIT), "s0", "split-orders")
    assert flag is not None
    named = ", ".join(f"s{i}" for i in range(10))
    assert f"12 orders of C020 by this importer within 12 days ({named} and 2 more)" in flag.message
    assert f"12 pedidos de C020 de este importador en 12 días ({named} y 2 más)" in flag.text(ES)


@pytest.mark.parametrize(
    "stored",
    [
        {"rule": "new-importer", "message": "First order", "score": 0.3},  # stored before templates
        {
            "rule": "new-importer",
            "message": "First order",
            "score": 0.3,
            "template": NEW_IMPORTER_MESSAGE,
            "params": {},
        },
        {"rule": "x", "message": "First order", "score": 0.3, "template": "{a}", "params": "not pairs"},
    ],
)
def test_flag_text_falls_back_to_the_stored_message(stored: dict[str, object]) -> None:
    assert flag_text(stored, ES) == "First order"
