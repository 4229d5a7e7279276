"""events/ holds a sample of every event Teamspace emits, each valid against its model."""

from __future__ import annotations

import json

import pytest

from teamspace.core.event_data import DATA_MODELS
from teamspace.core.events import EVENT_SOURCE, DetailType, EventDetail
from tests.support import EVENTS

BUS_SAMPLES = EVENTS / "bus"
EVENTBRIDGE_SAMPLES = [*BUS_SAMPLES.glob("*.json"), EVENTS / "mailer" / "invitation-created.json"]


def test_every_emitted_detail_type_has_a_sample():
    assert {path.stem for path in BUS_SAMPLES.glob("*.json")} == {t.value for t in DATA_MODELS}


@pytest.mark.parametrize("path", EVENTBRIDGE_SAMPLES, ids=lambda p: p.stem)
def test_each_sample_is_a_valid_event(path):
    event = json.loads(path.read_text())
    assert event["source"] == EVENT_SOURCE
    detail_type = DetailType(event["detail-type"])
    detail = EventDetail.model_validate(event["detail"])
    DATA_MODELS[detail_type].model_validate(detail.data)


def test_the_stream_sample_carries_a_valid_outbox_record():
    record = json.loads((EVENTS / "event_publisher" / "outbox-insert.json").read_text())
    image = record["Records"][0]["dynamodb"]["NewImage"]
    detail = EventDetail.model_validate_json(image["detail"]["S"])
    DATA_MODELS[DetailType(image["detailType"]["S"])].model_validate(detail.data)


@pytest.mark.parametrize("detail_type", sorted(DATA_MODELS), ids=str)
def test_event_data_refuses_anything_it_does_not_name(detail_type):
    sample = json.loads((BUS_SAMPLES / f"{detail_type.value}.json").read_text())
    with pytest.raises(ValueError, match="token"):
        DATA_MODELS[detail_type].model_validate({**sample["detail"]["data"], "token": "secret"})
