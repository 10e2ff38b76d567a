import pytest

from schemas import keys


def test_every_answer_object_lives_under_its_answer_and_session_prefix():
    prefix = keys.answer_prefix("s1", "a1")
    assert prefix == "sessions/s1/answers/a1/"
    assert prefix.startswith(keys.session_prefix("s1"))
    made = [
        keys.video_key("s1", "a1", ".webm"),
        keys.audio_key("s1", "a1"),
        keys.playback_key("s1", "a1", ".mp4"),
        keys.frame_key("s1", "a1", "0001_0002500.jpg"),
        keys.speech_report_key("s1", "a1"),
        keys.vision_report_key("s1", "a1"),
        keys.feedback_report_key("s1", "a1"),
    ]
    assert all(k.startswith(prefix) for k in made) and len(set(made)) == len(made)
    assert keys.session_feedback_key("s1").startswith(keys.session_prefix("s1"))
    assert keys.session_feedback_key("s1") not in made


@pytest.mark.parametrize(
    "call",
    [
        lambda: keys.session_prefix("../other"),
        lambda: keys.answer_prefix("s1", "a/../../b"),
        lambda: keys.answer_prefix("s1", ""),
        lambda: keys.video_key("s1", "a1", "/../x"),
        lambda: keys.frame_key("s1", "a1", "../speech.json"),
        lambda: keys.frame_key("s1", "a1", "x.png"),
    ],
)
def test_ids_and_names_cannot_escape_their_prefix(call):
    # Erasure deletes the session prefix: an object outside it would survive.
    with pytest.raises(ValueError):
        call()
