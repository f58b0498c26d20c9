"""The video door, run as a user runs it: the installed console script on real footage."""
from __future__ import annotations

import json
import subprocess

import cv2


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["emotion-perception", *args], capture_output=True, text=True, timeout=300)


def test_annotated_video_and_json_lines_from_real_footage(pose1_video, tmp_path):
    out, jsonl = tmp_path / "annotated.mp4", tmp_path / "results.jsonl"
    result = run_cli("video", str(pose1_video), "--out", str(out), "--jsonl", str(jsonl), "--max-frames", "60",
                     "--no-model")
    assert result.returncode == 0, result.stderr
    assert "No trained emotion model was asked for" in result.stdout
    assert "pose_1.mp4: 100%" in result.stderr, "the progress bar still shows"
    assert "W0000" not in result.stderr and "TensorFlow Lite" not in result.stderr, "MediaPipe's native lines: -v only"
    assert f"annotated video: {out}" in result.stdout
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 60
    assert (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))) == (576, 576)
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [r["frame"] for r in records] == list(range(60))
    stamps = [r["stamp"] for r in records]
    assert stamps == sorted(stamps) and abs(stamps[30] - 1.0) < 1e-6, "stamps are the video's 30 fps clock"
    people = [p for r in records[5:] for p in r["people"]]
    assert people and {p["id"] for p in people} == {1}
    assert all(len(p["landmarks"]) == 33 and len(p["landmarks"][0]) == 4 for p in people)
    assert all(p["probabilities"] is None and p["label"] is None for p in people), "no labels without a model"


def test_a_trained_model_adds_labels_to_every_record(pose1_video, tiny_model_file, tmp_path):
    jsonl = tmp_path / "results.jsonl"
    for min_confidence in ("0", "1"):
        result = run_cli("video", str(pose1_video), "--jsonl", str(jsonl), "--max-frames", "45",
                         "--model", str(tiny_model_file), "--min-confidence", min_confidence, "--quiet")
        assert result.returncode == 0, result.stderr
        last = json.loads(jsonl.read_text().splitlines()[-1])
        assert last["model_id"] == "tiny-test-model/0" and last["labels"] == ["calm", "lively", "slumped"]
        person = last["people"][0]
        assert abs(sum(person["probabilities"]) - 1) < 1e-4
        if min_confidence == "0":
            assert person["label"] == last["labels"][max(range(3), key=person["probabilities"].__getitem__)]
        else:
            assert person["label"] == "unknown", "the model is never 100 % sure: unknown, probabilities kept"


def test_unreadable_inputs_fail_with_a_clear_message(pose1_video, tmp_path):
    result = run_cli("video", str(tmp_path / "nope.mp4"))
    assert result.returncode == 2 and "video file not found" in result.stderr
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"PK\x03\x04 not really")
    result = run_cli("video", str(pose1_video), "--model", str(broken))
    assert result.returncode == 2 and f"{broken} is not a readable TorchScript archive" in result.stderr


def test_verbose_shows_mediapipe_native_log_lines(pose1_video, tmp_path):
    result = run_cli("-v", "video", str(pose1_video), "--jsonl", str(tmp_path / "r.jsonl"), "--max-frames", "3",
                     "--no-model", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "TensorFlow Lite" in result.stderr or "W0000" in result.stderr
