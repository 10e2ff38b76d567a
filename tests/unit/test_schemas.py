import re

import pytest
from pydantic import ValidationError

from mockinterview import contract
from schemas import (
    ALL_EVENTS,
    AnswerFailed,
    AnswerUploaded,
    Stage,
    dlq_for,
    topic_for,
)
from tests.factories import answer_uploaded


def test_envelope_carries_cloudevents_attributes_and_ids():
    event = answer_uploaded()
    doc = event.model_dump(mode="json")
    for attr in ("specversion", "id", "source", "type", "time", "subject", "datacontenttype"):
        assert doc[attr], attr
    assert doc["specversion"] == "1.0"
    assert doc["correlationid"] == event.id  # a new flow correlates to itself
    # CloudEvents extension attribute names: lower-case alphanumerics only
    extensions = set(doc) - {"specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"}
    assert extensions == {"schemaversion", "sessionid", "answerid", "correlationid", "causationid"}
    assert all(re.fullmatch(r"[a-z0-9]{1,20}", name) for name in extensions)


def test_caused_by_is_deterministic_and_chains_ids():
    cause = answer_uploaded()
    a = AnswerFailed.because(cause, Stage.media, "bad_video", "Not a video.", source="media")
    b = AnswerFailed.because(cause, Stage.media, "bad_video", "Not a video.", source="media")
    assert a.id == b.id != cause.id  # redelivery yields the same id, so consumers can dedupe
    assert a.causationid == cause.id
    assert a.correlationid == cause.correlationid
    assert (a.sessionid, a.answerid, a.data.question_id) == ("s1", "a1", "q1")


def test_events_are_frozen_and_validated():
    event = answer_uploaded()
    with pytest.raises(ValidationError):
        event.sessionid = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        AnswerFailed.because(event, Stage.media, "Bad Reason!", "x", source="media")


def test_consumers_tolerate_additive_fields():
    doc = answer_uploaded().model_dump(mode="json")
    doc["newattr"] = "x"
    doc["data"]["new_field"] = 1
    assert AnswerUploaded.model_validate(doc).data.answer_id == "a1"


def test_every_event_has_a_topic_and_dlq():
    topics = {topic_for(cls) for cls in ALL_EVENTS}
    assert len(topics) == len(ALL_EVENTS)
    assert dlq_for("mi.answer.uploaded.v1") == "mi.answer.uploaded.v1.dlq"


def test_committed_contract_files_match_models():
    stale = contract.drift()
    assert not stale, f"run `mockinterview contract` to regenerate: {stale}"


def test_factories_build_every_event():
    from tests import factories as f

    requested = f.session_requested("s1")
    upload = f.answer_uploaded("s1", "a1")
    scored = f.answer_scored(upload)
    built = [
        requested,
        f.questions_generated(requested),
        upload,
        f.media_extracted(upload),
        f.speech_analyzed(upload),
        f.vision_analyzed(upload),
        scored,
        f.answer_failed(upload),
        f.session_finished(requested),
        f.session_completed(requested, scored),
        f.session_deleted("s1"),
    ]
    assert {type(e) for e in built} == set(ALL_EVENTS)
    assert f.media_extracted(upload).causationid == upload.id


def test_reports_round_trip_and_tolerate_additive_fields():
    from schemas.reports import SpeechReport
    from tests.factories import speech_report

    report = speech_report(quality=("too_quiet",))
    doc = report.model_dump(mode="json") | {"detected_language": "en"}  # a newer producer's field
    again = SpeechReport.model_validate(doc)
    assert again == report and again.schemaversion == 1
    with pytest.raises(ValidationError):
        SpeechReport.model_validate(doc | {"duration_s": -1})
