"""The model contract, the loader and the batched engine, with a tiny model scripted on the fly."""
from __future__ import annotations

import dataclasses
import zipfile

import numpy as np
import pytest
import torch

from emotion_perception.core.contract import METADATA_FILE
from emotion_perception.core.errors import DeviceUnavailableError, ModelLoadError, ModelOutputError
from emotion_perception.core.inference import EmotionEngine, Prediction, load_model, resolve_device, save_model
from emotion_perception.core.smoothing import EmaSmoother
from tiny_model import LABELS, TinyContractModel, tiny_metadata


def random_windows(batch: int, length: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    windows = rng.normal(0, 1, size=(batch, length, 33, 4)).astype(np.float32)
    windows[..., 3] = rng.random((batch, length, 33)) > 0.2
    return windows


def test_scripted_model_equals_eager_model(tmp_path):
    torch.manual_seed(3)
    eager = TinyContractModel().eval()
    path = tmp_path / "m.pt"
    save_model(eager, tiny_metadata(), path)
    loaded = load_model(path)
    x = torch.from_numpy(random_windows(5))
    with torch.no_grad():
        for a, b in zip(eager(x), loaded.module(x)):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def test_metadata_is_read_back(tiny_model_file):
    metadata = load_model(tiny_model_file).metadata
    assert metadata.labels == LABELS
    assert (metadata.window_length, metadata.fps) == (16, 10.0)
    assert metadata.model_id == "tiny-test-model/0"
    assert len(metadata.weights_sha256) == 64


def test_a_truncated_model_file_is_named_in_the_error(tiny_model_file, tmp_path):
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(tiny_model_file.read_bytes()[: tiny_model_file.stat().st_size // 2])
    with pytest.raises(ModelLoadError, match=str(truncated)):
        load_model(truncated)


def test_flipped_bytes_in_the_weights_are_caught(tiny_model_file, tmp_path):
    with zipfile.ZipFile(tiny_model_file) as archive:
        member = next(i for i in archive.infolist() if "/data/0" in i.filename)
    data = bytearray(tiny_model_file.read_bytes())
    # Local header is 30 bytes + name + extra; the first stored byte of the tensor follows.
    name_len = int.from_bytes(data[member.header_offset + 26: member.header_offset + 28], "little")
    extra_len = int.from_bytes(data[member.header_offset + 28: member.header_offset + 30], "little")
    data[member.header_offset + 30 + name_len + extra_len] ^= 0x40
    tampered = tmp_path / "tampered.pt"
    tampered.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match=f"{tampered}.*(checksum|tampered)"):
        load_model(tampered)


def test_swapped_weights_with_consistent_checksums_break_the_weight_digest(tiny_model_file, tmp_path):
    other = TinyContractModel()
    other_path = tmp_path / "other.pt"
    torch.jit.save(torch.jit.script(other), str(other_path),
                   _extra_files={METADATA_FILE: load_model(tiny_model_file).metadata.to_json()})
    with pytest.raises(ModelLoadError, match="weights_sha256"):
        load_model(other_path)


def test_a_model_without_metadata_or_with_a_foreign_normalization_is_refused(tmp_path):
    plain = tmp_path / "plain.pt"
    torch.jit.save(torch.jit.script(TinyContractModel()), str(plain))
    with pytest.raises(ModelLoadError, match="not an emotion_perception model"):
        load_model(plain)
    foreign = tmp_path / "foreign.pt"
    save_model(TinyContractModel(), dataclasses.replace(tiny_metadata(), normalization_version="other-norm"), foreign)
    with pytest.raises(ModelLoadError, match="normalization"):
        load_model(foreign)


def test_outputs_must_match_the_labels(tmp_path):
    path = tmp_path / "wrong.pt"
    save_model(TinyContractModel(num_classes=5), tiny_metadata(), path)  # 5 outputs, 3 labels
    with pytest.raises(ModelLoadError, match=r"contract says \(2, 3\)"):
        load_model(path)


class NaNBeyond(torch.nn.Module):
    """Answers like the tiny model, except NaN for any window holding a value above `limit`."""

    def __init__(self, limit: float) -> None:
        super().__init__()
        self.inner = TinyContractModel()
        self.limit = limit

    def forward(self, x: torch.Tensor):
        probabilities, affect = self.inner(x)
        broken = (x.flatten(1).max(dim=1).values > self.limit).unsqueeze(1)
        return (torch.where(broken, torch.full_like(probabilities, float("nan")), probabilities),
                torch.where(broken, torch.full_like(affect, float("nan")), affect))


def test_a_model_that_answers_nan_is_refused_at_load_and_its_nan_never_reaches_a_consumer(tmp_path):
    always = tmp_path / "always_nan.pt"
    save_model(NaNBeyond(limit=-1.0), tiny_metadata(), always)  # NaN even for an empty window
    with pytest.raises(ModelLoadError, match="NaN or infinity"):
        load_model(always)

    sometimes = tmp_path / "nan_on_extremes.pt"
    save_model(NaNBeyond(limit=10.0), tiny_metadata(), sometimes)  # passes the load-time probes
    engine = EmotionEngine(sometimes, device="cpu")
    windows = random_windows(3)
    assert all(np.isfinite(p.probabilities).all() for p in engine.predict(windows))
    windows[1, 0, 0, 0] = 50.0
    with pytest.raises(ModelOutputError, match="NaN or infinity"):
        engine.predict(windows)


def test_a_window_or_rate_the_node_cannot_hold_is_refused_by_the_contract(tmp_path):
    for metadata, problem in ((tiny_metadata(window_length=200_000), "window_length must be 2 to 256"),
                              (tiny_metadata(fps=1000.0), "fps must be above 0 and at most 120")):
        assert any(problem in found for found in metadata.problems())


def test_not_a_file_at_all(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_text("hello")
    with pytest.raises(ModelLoadError, match=str(junk)):
        load_model(junk)
    with pytest.raises(ModelLoadError, match="not found"):
        load_model(tmp_path / "missing.pt")


def test_one_batched_forward_equals_one_forward_per_person(tiny_model_file):
    engine = EmotionEngine(tiny_model_file, device="cpu")
    windows = random_windows(8)
    batched = engine.predict(windows)
    single = [engine.predict(windows[i: i + 1])[0] for i in range(8)]
    for a, b in zip(batched, single):
        np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-6)
        assert abs(a.valence - b.valence) < 1e-6 and abs(a.arousal - b.arousal) < 1e-6
    for prediction in batched:
        assert abs(prediction.probabilities.sum() - 1.0) < 1e-5
        assert -1 <= prediction.valence <= 1 and -1 <= prediction.arousal <= 1
    assert engine.predict(np.zeros((0, 16, 33, 4), np.float32)) == []


def test_a_cpu_forward_runs_on_its_own_thread_count_and_leaves_the_process_setting_alone(tiny_model_file):
    """One thread by default leaves MediaPipe its core; training in the same process keeps its pool."""
    engine = EmotionEngine(tiny_model_file, device="cpu")
    module = engine.module
    seen = []

    def spy(batch):
        seen.append(torch.get_num_threads())
        return module(batch)

    engine.module = spy
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        engine.predict(random_windows(2))
        assert seen == [1] and torch.get_num_threads() == 2
        engine.cpu_threads = 2
        engine.predict(random_windows(2))
        assert seen == [1, 2]
    finally:
        torch.set_num_threads(previous)
    two_threads = EmotionEngine(tiny_model_file, device="cpu", cpu_threads=2).predict(random_windows(4))
    one_thread = EmotionEngine(tiny_model_file, device="cpu").predict(random_windows(4))
    for a, b in zip(one_thread, two_threads):
        np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-6)
    with pytest.raises(ValueError, match="cpu_threads"):
        EmotionEngine(tiny_model_file, device="cpu", cpu_threads=0)


def test_device_requests(monkeypatch):
    assert resolve_device("cpu") == ("cpu", None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == ("cpu", None)
    device, note = resolve_device("cuda:1")
    assert device == "cpu" and "CUDA is not available" in note
    with pytest.raises(DeviceUnavailableError, match="auto, cpu, cuda"):
        resolve_device("tpu")


def test_smoothing_keeps_a_distribution_and_follows_the_newest_with_weight_alpha():
    smoother = EmaSmoother(alpha=0.25)
    first = smoother.update(1, Prediction(np.array([1.0, 0.0, 0.0]), 1.0, -1.0))
    second = smoother.update(1, Prediction(np.array([0.0, 1.0, 0.0]), -1.0, 1.0))
    np.testing.assert_allclose(second.probabilities, [0.75, 0.25, 0.0])
    assert second.probabilities.sum() == pytest.approx(1.0)
    assert (second.valence, second.arousal) == (0.5, -0.5)
    assert first.valence == 1.0
    smoother.drop([1])
    assert smoother.latest(1) is None
    with pytest.raises(ValueError):
        EmaSmoother(alpha=0.0)
