"""The top encoder layers of multilingual-e5-small and the sentiment head, in torch, for fine-tuning.

Written out here (not transformers' BertLayer) so that training computes exactly what
`nlp/bert_onnx.py` builds for inference: post-LayerNorm BERT layers, erf GELU, an additive
attention bias from the padding mask, then mean pooling over tokens and one linear layer.
Weights use the `BertModel` state-dict names (`encoder.layer.{i}.attention.self.query.weight`, …),
so a trained layer drops into the checkpoint the ONNX builder reads.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nlp.e5_sentiment import HEAD_BIAS, HEAD_WEIGHT, layer_prefix


class E5Layer(nn.Module):
    """One BERT encoder layer (self-attention + feed-forward, post-LayerNorm)."""

    def __init__(self, hidden: int, heads: int, ff: int, eps: float, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.query, self.key = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.attn_ln = nn.LayerNorm(hidden, eps=eps)
        self.ff_in, self.ff_out = nn.Linear(hidden, ff), nn.Linear(ff, hidden)
        self.out_ln = nn.LayerNorm(hidden, eps=eps)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """`x` (B, S, H); `bias` (B, 1, 1, S): 0 for tokens, a large negative number for padding."""
        b, s, h = x.shape
        d = h // self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, s, self.heads, d).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, dim=-1)
        ctx = (self.drop(att) @ v).transpose(1, 2).reshape(b, s, h)
        x = self.attn_ln(x + self.drop(self.attn_out(ctx)))
        return self.out_ln(x + self.drop(self.ff_out(nn.functional.gelu(self.ff_in(x)))))

    def load(self, tensors: dict, prefix: str) -> None:
        """Copy weights from a BertModel state dict (numpy arrays) under `prefix`."""
        names = self.names(prefix)
        with torch.no_grad():
            for param, name in names.items():
                dict(self.named_parameters())[param].copy_(torch.from_numpy(tensors[name].copy()))

    @staticmethod
    def names(prefix: str) -> dict[str, str]:
        """Our parameter name → the BertModel state-dict name."""
        parts = {
            "query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
            "attn_out": "attention.output.dense", "attn_ln": "attention.output.LayerNorm",
            "ff_in": "intermediate.dense", "ff_out": "output.dense", "out_ln": "output.LayerNorm",
        }
        return {f"{ours}.{w}": f"{prefix}{theirs}.{w}" for ours, theirs in parts.items() for w in ("weight", "bias")}


class E5Top(nn.Module):
    """The layers from `first` to the last, mean pooling and the 3-class head."""

    def __init__(self, config: dict, first: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.first = first
        h = config["hidden_size"]
        eps = float(config.get("layer_norm_eps", 1e-12))
        self.layers = nn.ModuleList(
            E5Layer(h, config["num_attention_heads"], config["intermediate_size"], eps, dropout)
            for _ in range(first, config["num_hidden_layers"])
        )
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(h, 3)

    def load_base(self, tensors: dict) -> None:
        """Start from the pretrained layers (the head starts from scratch)."""
        for i, layer in enumerate(self.layers):
            layer.load(tensors, layer_prefix(self.first + i))

    def pooled(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean over real tokens of the last layer's states."""
        bias = (1.0 - mask[:, None, None, :]) * torch.finfo(states.dtype).min
        x = states
        for layer in self.layers:
            x = layer(x, bias)
        m = mask[:, :, None]
        return (x * m).sum(1) / m.sum(1).clamp(min=1.0)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits (B, 3) in LABELS order."""
        return self.head(self.drop(self.pooled(states, mask)))

    def delta(self) -> dict:
        """What differs from the base checkpoint: the trained layers (BertModel names) and the head, as numpy."""
        out = {}
        for i, layer in enumerate(self.layers):
            params = dict(layer.named_parameters())
            for ours, theirs in E5Layer.names(layer_prefix(self.first + i)).items():
                out[theirs] = params[ours].detach().cpu().numpy()
        out[HEAD_WEIGHT] = self.head.weight.detach().cpu().numpy()
        out[HEAD_BIAS] = self.head.bias.detach().cpu().numpy()
        return out
