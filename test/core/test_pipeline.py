"""The whole core on real footage: one person squatting, with a contract model loaded."""
from __future__ import annotations

import subprocess
import sys

import numpy as np

from emotion_perception.core.inference import EmotionEngine
from emotion_perception.core.pipeline import Pipeline, PipelineConfig, RuntimeSettings
from emotion_perception.core.pose import PoseConfig


def test_squats_give_one_stable_person_and_valid_emotions_once_the_window_fills(squats_frames, tiny_model_file):
    engine = EmotionEngine(tiny_model_file, device="cpu")
    pipeline = Pipeline(PipelineConfig(pose=PoseConfig(max_people=2)), engine)
    frames = [pipeline.process(rgb, index / 5.0) for index, rgb in enumerate(squats_frames)]
    pipeline.close()
    ids = {person.track_id for frame in frames for person in frame.people}
    assert ids == {1}
    with_emotion = [frame for frame in frames if frame.people and frame.people[0].has_emotion]
    # window 16 frames at 10 fps = 1.5 s; half must be valid: 0.8 s of 5 fps footage after confirmation
    assert len(with_emotion) >= len(frames) - 10
    for frame in with_emotion:
        person = frame.people[0]
        assert abs(person.probabilities.sum() - 1.0) < 1e-5
        assert person.confidence == person.probabilities.max()
        top = engine.labels[int(person.probabilities.argmax())]
        assert person.label == (top if person.confidence >= pipeline.settings.min_confidence else "unknown")
        assert -1 <= person.valence <= 1 and -1 <= person.arousal <= 1
        assert person.valid_frames >= 8
        assert frame.model_id == "tiny-test-model/0"
    assert set(frames[-1].timings) == {"pose", "tracking", "normalize", "model", "smoothing"}


def test_a_looped_stream_resets_once_and_keeps_producing(squats_frames, tiny_model_file):
    pipeline = Pipeline(PipelineConfig(pose=PoseConfig(max_people=1)), EmotionEngine(tiny_model_file, device="cpu"))
    clip = squats_frames[:25]
    first = [pipeline.process(rgb, index / 5.0) for index, rgb in enumerate(clip)]
    second = [pipeline.process(rgb, index / 5.0) for index, rgb in enumerate(clip)]
    pipeline.close()
    assert pipeline.clock_resets == 1 and second[0].clock_reset
    assert first[-1].people[0].has_emotion and second[-1].people[0].has_emotion
    assert second[-1].people[0].track_id != first[-1].people[0].track_id, "ids are never reused"
    np.testing.assert_allclose(second[-1].people[0].probabilities, first[-1].people[0].probabilities, atol=1e-4)


def test_a_step_back_under_half_a_millisecond_resets_every_stage_pose_included(squats_frames):
    """One detector, on the float stamps: MediaPipe's rounded milliseconds used to miss it."""
    pipeline = Pipeline(PipelineConfig(pose=PoseConfig(max_people=1)))
    pipeline.process(squats_frames[0], 10.0)
    frame = pipeline.process(squats_frames[1], 10.0 - 0.0003)
    assert frame.clock_reset and pipeline.clock_resets == 1
    assert pipeline.pose.timestamp_ms == 10_000, "MediaPipe restarted from the new stamp, not nudged past the old"
    assert not pipeline.process(squats_frames[2], 10.1).clock_reset
    pipeline.close()


def test_min_confidence_publishes_unknown_and_keeps_the_probabilities(squats_frames, tiny_model_file):
    pipeline = Pipeline(PipelineConfig(pose=PoseConfig(max_people=1), runtime=RuntimeSettings(min_confidence=0.0)),
                        EmotionEngine(tiny_model_file, device="cpu"))
    frames = [pipeline.process(rgb, index / 5.0) for index, rgb in enumerate(squats_frames[:25])]
    person = frames[-1].people[0]
    assert person.label in pipeline.labels, "0: always a class"
    pipeline.apply(RuntimeSettings(min_confidence=1.0))  # as the node's parameter callback does; none is that sure
    person = pipeline.process(squats_frames[25], 25 / 5.0).people[0]
    pipeline.close()
    assert person.label == "unknown" and person.probabilities is not None
    assert person.confidence == person.probabilities.max() < 1.0


def test_frames_whose_side_would_abort_mediapipe_are_refused_before_any_native_call():
    """OpenCV inside MediaPipe aborts the whole process (SIGABRT) on a side of 32767 or more; the
    check runs in a child process so that, were it missing, this test fails instead of the suite."""
    script = (
        "import numpy as np\n"
        "from emotion_perception.core.errors import BadImageError\n"
        "from emotion_perception.core.pipeline import Pipeline\n"
        "pipeline = Pipeline()\n"
        "for shape in ((1, 100000, 3), (32767, 1, 3), (1, 8193, 3)):\n"
        "    try:\n"
        "        pipeline.process(np.zeros(shape, np.uint8), 0.0)\n"
        "    except BadImageError as error:\n"
        "        print(error.kind)\n"
        "print(len(pipeline.process(np.zeros((1, 8192, 3), np.uint8), 1.0).people))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["side_too_long"] * 3 + ["0"]
