"""Warnings are stored once per detection, with their marking, on SQLite and PostgreSQL."""

import json

import pytest

from sda.products.warnings import Warning, warning_marking


def _maneuver(**kw):
    base = dict(kind="MANEUVER", norad_id=25544, time_us=1_642_809_600_000_000, confidence=0.9,
                summary="orbit raise of 1.2 m/s", evidence={"delta_v_m_s": 1.2, "element_set_ids": [1, 2]})
    return Warning(**{**base, **kw})


def test_write_and_read_back(store):
    w = _maneuver(marking='{"releasable_to":["KR"]}', related_ids=(1, 2), window_start_us=1, window_stop_us=2)
    (stored,) = store.write_warnings([w])
    assert stored.id is not None and stored.created_at_us is not None
    (back,) = store.warnings(kind="MANEUVER", norad_id=25544)
    assert back == stored
    assert back.as_dict()["time"] == "2022-01-22T00:00:00.000000Z"
    assert json.loads(back.marking) == {"releasable_to": ["KR"]}


def test_same_detection_is_stored_once(store):
    assert len(store.write_warnings([_maneuver()])) == 1
    assert store.write_warnings([_maneuver()]) == []
    assert len(store.write_warnings([_maneuver(time_us=1_642_809_600_000_001)])) == 1
    assert len(store.warnings()) == 2


def test_drawing_a_detection_again_is_not_a_new_detection(store):
    assert len(store.write_warnings([_maneuver(evidence={"delta_v_m_s": 1.2, "plot": "a.png"})])) == 1
    assert store.write_warnings([_maneuver(evidence={"delta_v_m_s": 1.2, "plot": "b.svg"})]) == []


def test_filters_and_data_modes(store):
    store.write_warnings([_maneuver(), _maneuver(kind="REENTRY", norad_id=1), _maneuver(data_mode="EXERCISE")])
    assert [w.kind for w in store.warnings(kind="REENTRY")] == ["REENTRY"]
    assert len(store.warnings()) == 2
    assert len(store.warnings(data_modes=("EXERCISE",))) == 1
    assert store.warnings(since_us=1_642_809_600_000_001) == []


def test_invalid_warnings_are_refused():
    with pytest.raises(ValueError, match="kind"):
        _maneuver(kind="GUESS")
    with pytest.raises(ValueError, match="confidence"):
        _maneuver(confidence=1.5)


def test_marking_is_the_strictest_of_the_inputs():
    assert json.loads(warning_marking(['{"releasable_to":["ALL"]}', '{"releasable_to":["KR","US"]}',
                                       '{"releasable_to":["KR"]}']))["releasable_to"] == ["KR"]
    assert json.loads(warning_marking([]))["releasable_to"] == ["ALL"]
