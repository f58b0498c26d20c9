"""The interface package built by colcon: importable, and shaped as the pipeline fills it."""
from __future__ import annotations


def test_built_messages_carry_what_the_pipeline_produces():
    from emotion_perception_msgs.msg import FrameEmotions, Landmark, PersonEmotion

    person = PersonEmotion(track_id=3, label="happy", confidence=0.5, probabilities=[0.5, 0.5],
                           valence=0.2, arousal=-0.1, valid_frames=20, window_length=30)
    assert len(person.landmarks) == 33 and isinstance(person.landmarks[0], Landmark)
    person.box.x_offset, person.box.width = 10, 40
    frame = FrameEmotions(labels=["happy", "sad"], model_id="m/1", people=[person])
    frame.header.frame_id = "camera"
    assert frame.people[0].box.width == 40
    assert FrameEmotions.__module__.startswith("emotion_perception_msgs")
