"""EmotiPoseformer: a temporal transformer over pose-aware frame tokens.

    x [B, T, 33, 4]  (x, y, visibility, present per landmark; see normalize.py)
      -> JointEncoder: per-joint linear + learned joint embedding, flattened to a frame token
         (options; the shipped recipe, recipe.py, zeroes visibility and uses neither of the others:
         per-window relative velocities, one layer of joint-level self-attention inside each frame)
      -> [CLS] global pose token + T frame tokens + learned time embedding
      -> L pre-norm transformer blocks over time (frames with no joint masked)
      -> CLS -> class probabilities (softmax of logits / fitted temperature), valence/arousal (tanh)

Attention is written out (not nn.MultiheadAttention) so the scripted model is plain TorchScript
with no fast-path branches, and the code reads in one sitting.
"""
from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from typing import Callable, Optional, Sequence, Tuple, TypeVar

import torch
from torch import nn

from ..core.landmarks import NUM_LANDMARKS
from ..core.normalize import NUM_CHANNELS


@dataclass(frozen=True)
class EmotiPoseformerConfig:
    num_classes: int = 8
    window_length: int = 30
    d_model: int = 64
    layers: int = 2
    heads: int = 4
    joint_dim: int = 16
    joint_heads: int = 2
    joint_attention: bool = False  # True: one attention layer over the joints of each frame
    dropout: float = 0.1
    # The visibility channel is MediaPipe's confidence, not the body: False feeds the model zeros
    # there (presence still marks lost joints), so it cannot learn the simulation's visibility.
    use_visibility: bool = True
    # True: each joint also gets its frame-to-frame velocity divided by the window's RMS speed, a
    # motion shape that does not hinge on how fast this person happens to move.
    relative_velocity: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


class SelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        assert dim % heads == 0, "dim must divide into heads"
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, key_mask: Optional[torch.Tensor]) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = (
            self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        )  # [B, H, N, dh]
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // self.heads)  # [B, H, N, N]
        if key_mask is not None:  # [B, N] True = attend
            # finite, so a fully masked row stays defined (uniform) instead of NaN
            scores = scores.masked_fill(~key_mask[:, None, None, :], -1e4)
        weights = self.dropout(torch.softmax(scores, dim=-1))
        return self.out((weights @ v).transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = SelfAttention(dim, heads, dropout)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, key_mask: Optional[torch.Tensor]) -> torch.Tensor:
        x = x + self.attention(self.norm1(x), key_mask)
        return x + self.mlp(self.norm2(x))


class JointEncoder(nn.Module):
    """Pose-aware frame tokens: each joint embedded with its identity, optionally attending to
    the other joints of its frame, then flattened into one token per frame."""

    def __init__(self, config: EmotiPoseformerConfig) -> None:
        super().__init__()
        self.use_visibility = config.use_visibility
        self.relative_velocity = config.relative_velocity
        self.embed = nn.Linear(NUM_CHANNELS + (2 if config.relative_velocity else 0), config.joint_dim)
        self.joint_embedding = nn.Parameter(torch.randn(NUM_LANDMARKS, config.joint_dim) * 0.02)
        # Zero or one joint-attention block (a ModuleList keeps the scripted model free of None).
        self.attention = nn.ModuleList(
            [Block(config.joint_dim, config.joint_heads, config.dropout)] if config.joint_attention else []
        )
        self.to_frame = nn.Linear(NUM_LANDMARKS * config.joint_dim, config.d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, j = x.shape[0], x.shape[1], x.shape[2]
        present = x[..., 3:4]
        inputs = x if self.use_visibility else torch.cat([x[..., :2], torch.zeros_like(present), present], dim=-1)
        if self.relative_velocity:
            both = present[:, 1:] * present[:, :-1]  # [B, T-1, 33, 1] joint seen in both frames
            step = (x[:, 1:, :, :2] - x[:, :-1, :, :2]) * both
            seen = torch.clamp(both.sum(dim=(1, 2, 3), keepdim=True), min=1.0)
            rms = torch.sqrt((step**2).sum(dim=(1, 2, 3), keepdim=True) / seen)
            velocity = torch.cat([torch.zeros_like(step[:, :1]), step / torch.clamp(rms, min=1e-3)], dim=1)
            inputs = torch.cat([inputs, velocity], dim=-1)  # [B, T, 33, C + 2]
        joints = self.embed(inputs) + self.joint_embedding  # [B, T, 33, dj]
        if len(self.attention) > 0:
            present = x[..., 3].reshape(b * t, j) > 0.5
            flat = joints.reshape(b * t, j, -1)
            for block in self.attention:
                flat = block(flat, present)  # [B*T, 33, dj]
            joints = flat.reshape(b, t, j, -1)
        return self.to_frame(joints.reshape(b, t, -1))  # [B, T, d]


class EmotiPoseformer(nn.Module):
    def __init__(self, config: EmotiPoseformerConfig) -> None:
        super().__init__()
        self.config = config
        self.joints = JointEncoder(config)
        self.pose_token = nn.Parameter(torch.zeros(1, 1, config.d_model))
        self.time_embedding = nn.Parameter(torch.randn(1, config.window_length + 1, config.d_model) * 0.02)
        self.dropout = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList([Block(config.d_model, config.heads, config.dropout) for _ in range(config.layers)])
        self.norm = nn.LayerNorm(config.d_model)
        self.classes = nn.Linear(config.d_model, config.num_classes)
        self.affect = nn.Linear(config.d_model, 2)
        # Calibration: logits are divided by this before the softmax; fitted after training on
        # held-out windows (calibration.py) and saved with the weights.
        self.register_buffer("temperature", torch.ones(1))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The global pose token after the temporal blocks: [B, d]."""
        b = x.shape[0]
        frames = self.joints(x)  # [B, T, d]
        tokens = torch.cat([self.pose_token.expand(b, -1, -1), frames], dim=1)  # [B, T+1, d]
        tokens = self.dropout(tokens + self.time_embedding[:, : tokens.shape[1]])
        frame_seen = x[..., 3].amax(dim=2) > 0.5  # [B, T]
        key_mask = torch.cat([torch.ones(b, 1, dtype=torch.bool, device=x.device), frame_seen], dim=1)
        for block in self.blocks:
            tokens = block(tokens, key_mask)
        return self.norm(tokens[:, 0])

    def logits(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        pooled = self.features(x)
        return self.classes(pooled), torch.tanh(self.affect(pooled))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """The contract's outputs: (probabilities [B, K], valence_arousal [B, 2])."""
        logits, valence_arousal = self.logits(x)
        return torch.softmax(logits / self.temperature, dim=-1), valence_arousal


class LstmBaseline(nn.Module):
    """The seed's baseline: 2-layer LSTM (256 units) over flattened frames, last state -> classes."""

    def __init__(self, num_classes: int, hidden: int = 256, layers: int = 2) -> None:
        super().__init__()
        self.lstm = nn.LSTM(NUM_LANDMARKS * NUM_CHANNELS, hidden, layers, batch_first=True, dropout=0.1)
        self.classes = nn.Linear(hidden, num_classes)
        self.affect = nn.Linear(hidden, 2)

    def logits(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        out, _ = self.lstm(x.reshape(x.shape[0], x.shape[1], -1))
        last = out[:, -1]
        return self.classes(last), torch.tanh(self.affect(last))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        logits, valence_arousal = self.logits(x)
        return torch.softmax(logits, dim=-1), valence_arousal


class Ensemble(nn.Module):
    """Members trained apart on the same windows, their probabilities averaged.

    Why: on people from a studio it never saw, the transformer and the LSTM err differently (the
    LSTM transfers better from many actors to one, the transformer from one actor to many), and
    the average is steadier than either across that change. The mean probability's log stands
    in for the logits, so the one fitted temperature calibrates the average as it does one model.
    """

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.register_buffer("temperature", torch.ones(1))

    def logits(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        probabilities = []
        affect = []
        for member in self.members:
            member_logits, member_affect = member.logits(x)
            probabilities.append(torch.softmax(member_logits, dim=-1))
            affect.append(member_affect)
        mean = torch.stack(probabilities).mean(dim=0)
        return torch.log(torch.clamp(mean, min=1e-12)), torch.stack(affect).mean(dim=0)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        logits, valence_arousal = self.logits(x)
        return torch.softmax(logits / self.temperature, dim=-1), valence_arousal


ModelT = TypeVar("ModelT", bound=nn.Module)


def seeded(build: Callable[[], ModelT], seed: int) -> ModelT:
    """Builds a model with initial weights drawn from `seed`, leaving the global generator as it
    was: without this the starting weights, and so the shipped file, differed on every run."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Dynamic int8 quantization of the linear layers (CPU inference)."""
    from torch.ao.quantization import quantize_dynamic

    return quantize_dynamic(copy.deepcopy(model).eval(), {torch.nn.Linear}, dtype=torch.qint8)
