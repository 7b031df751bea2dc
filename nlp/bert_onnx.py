"""A BERT encoder with mean pooling of chosen hidden layers, written as an ONNX graph without torch.

Reads a BERT-style checkpoint folder (`config.json` + `model.safetensors`, as `transformers`'
`BertModel` saves it: all-MiniLM-L6-v2, the multilingual-e5-small checkpoint of nlp/e5_weights.py)
with `safetensors.numpy` and writes the forward pass node by node with `onnx.helper`:

    embeddings (word + absolute position from 0 + token type 0) → LayerNorm
    N × [self-attention (scaled dot product, padding masked) → dense → residual + LayerNorm,
         dense → GELU (erf) → dense → residual + LayerNorm]
    pooled = concat over `layers` of mean(hidden_states[layer] over unmasked tokens)

Inputs `input_ids`, `attention_mask` (int64, dynamic batch and sequence axes); one output `pooled`
(float32, batch × hidden × len(layers)) — what `nlp.encoder.embed(texts, layers)` computes with
torch. `hidden_states` are indexed as in transformers: 0 is the embedding output, -1 the last layer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "pooled"


def read_checkpoint(folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """(config.json, fp32 tensors by BertModel name) of a checkpoint folder; a "bert." prefix is dropped."""
    import numpy as np
    from safetensors.numpy import load_file

    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError(f"{folder}: only absolute position embeddings are supported")
    if config.get("hidden_act", "gelu") != "gelu":
        raise ValueError(f"{folder}: hidden_act {config.get('hidden_act')!r} is not 'gelu' (erf)")
    tensors = {
        name.removeprefix("bert."): np.asarray(value, dtype=np.float32)
        for name, value in load_file(str(folder / "model.safetensors")).items()
        if value.dtype.kind == "f"
    }
    return config, tensors


class _Graph:
    """Nodes and initializers under unique names; each method adds one small piece of the encoder."""

    def __init__(self, tensors: dict[str, np.ndarray]) -> None:
        self.tensors = tensors
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value: Any, hint: str, dtype: Any = None) -> str:
        import numpy as np
        from onnx import numpy_helper

        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype or np.float32), name))
        return name

    def op(self, kind: str, inputs: Sequence[str], hint: str | None = None, **attrs: Any) -> str:
        from onnx import helper

        out = self.name(hint or kind.lower())
        self.nodes.append(helper.make_node(kind, list(inputs), [out], name=out, **attrs))
        return out

    def weight(self, key: str) -> str:
        return self.const(self.tensors[key], key)

    def linear(self, x: str, prefix: str) -> str:
        """x @ W.T + b of a `torch.nn.Linear` stored as [out, in]."""
        import numpy as np

        w = self.const(np.ascontiguousarray(self.tensors[f"{prefix}.weight"].T), f"{prefix}.weight_t")
        return self.op("Add", [self.op("MatMul", [x, w]), self.weight(f"{prefix}.bias")])

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        return self.op(
            "LayerNormalization", [x, self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")],
            axis=-1, epsilon=eps,
        )


def _embeddings(g: _Graph, eps: float) -> str:
    import numpy as np

    words = g.op("Gather", [g.weight("embeddings.word_embeddings.weight"), "input_ids"])
    shape = g.op("Shape", ["input_ids"])
    seq = g.op("Squeeze", [g.op("Slice", [shape, g.const([1], "one", np.int64), g.const([2], "two", np.int64)])])
    positions = g.op("Range", [g.const(0, "zero", np.int64), seq, g.const(1, "step", np.int64)])
    pos = g.op("Gather", [g.weight("embeddings.position_embeddings.weight"), positions])
    token_type = g.const(g.tensors["embeddings.token_type_embeddings.weight"][0], "token_type_0")
    summed = g.op("Add", [g.op("Add", [words, pos]), token_type])
    return g.layer_norm(summed, "embeddings.LayerNorm", eps)


def _attention(g: _Graph, x: str, bias: str, prefix: str, heads: int, hidden: int) -> str:
    import numpy as np

    head_dim = hidden // heads
    split = g.const([0, 0, heads, head_dim], "split_heads", np.int64)

    def heads_of(name: str, perm: list[int]) -> str:
        return g.op("Transpose", [g.op("Reshape", [g.linear(x, f"{prefix}.self.{name}"), split])], perm=perm)

    q = heads_of("query", [0, 2, 1, 3])  # (B, heads, S, d)
    k = heads_of("key", [0, 2, 3, 1])  # (B, heads, d, S)
    v = heads_of("value", [0, 2, 1, 3])
    scores = g.op("Mul", [g.op("MatMul", [q, k]), g.const(1.0 / math.sqrt(head_dim), "scale")])
    probs = g.op("Softmax", [g.op("Add", [scores, bias])], axis=-1)
    context = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    merged = g.op("Reshape", [context, g.const([0, 0, hidden], "merge_heads", np.int64)])
    return g.linear(merged, f"{prefix}.output.dense")


def _gelu(g: _Graph, x: str) -> str:
    """0.5 · x · (1 + erf(x / √2)): transformers' "gelu" (ONNX Runtime fuses it into one Gelu op)."""
    erf = g.op("Erf", [g.op("Div", [x, g.const(math.sqrt(2.0), "sqrt2")])])
    return g.op("Mul", [g.op("Mul", [x, g.op("Add", [erf, g.const(1.0, "one_f")])]), g.const(0.5, "half")])


def _layer(g: _Graph, x: str, bias: str, i: int, config: dict, root: str = "") -> str:
    """Encoder layer `i`; `root` prefixes its weight names (a branch's own copy of the layer, see `build_branched`)."""
    prefix = f"{root}encoder.layer.{i}"
    eps = float(config.get("layer_norm_eps", 1e-12))
    attended = _attention(g, x, bias, f"{prefix}.attention", config["num_attention_heads"], config["hidden_size"])
    x = g.layer_norm(g.op("Add", [attended, x]), f"{prefix}.attention.output.LayerNorm", eps)
    inner = _gelu(g, g.linear(x, f"{prefix}.intermediate.dense"))
    return g.layer_norm(g.op("Add", [g.linear(inner, f"{prefix}.output.dense"), x]), f"{prefix}.output.LayerNorm", eps)


def _hidden_index(layer: int, count: int) -> int:
    """transformers' hidden_states index (0 = embeddings, negative from the end) → 0..count-1."""
    index = layer + count if layer < 0 else layer
    if not 0 <= index < count:
        raise ValueError(f"layer {layer} is out of range for an encoder with {count - 1} layers")
    return index


def _padding(g: _Graph) -> tuple[str, str]:
    """(float mask (B, S), additive attention bias (B, 1, 1, S): 0 for tokens, float32's lowest for padding)."""
    import numpy as np
    from onnx import TensorProto

    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    keep = g.op("Unsqueeze", [mask, g.const([1, 2], "bias_axes", np.int64)])
    lowest = g.const(np.finfo(np.float32).min, "lowest")
    return mask, g.op("Mul", [g.op("Sub", [g.const(1.0, "one_b"), keep]), lowest])


def _mean_pool(g: _Graph, states: Sequence[str], mask: str) -> list[str]:
    """Mean over unmasked tokens of each (B, S, H) state."""
    import numpy as np

    token_mask = g.op("Unsqueeze", [mask, g.const([-1], "last_axis", np.int64)])  # (B, S, 1)
    axis1 = g.const([1], "seq_axis", np.int64)
    count_tokens = g.op("Max", [g.op("ReduceSum", [token_mask, axis1], keepdims=0), g.const(1.0, "min_count")])
    return [
        g.op("Div", [g.op("ReduceSum", [g.op("Mul", [s, token_mask]), axis1], keepdims=0), count_tokens])
        for s in states
    ]


def _finish(g: _Graph, outputs: dict[str, int], opset: int) -> Any:
    """The checked onnx.ModelProto with `outputs` (name → width), float32 (batch, width) each."""
    from onnx import TensorProto, checker, helper

    dims = ["batch", "seq"]
    graph = helper.make_graph(
        g.nodes,
        "bert_pooled",
        [helper.make_tensor_value_info(n, TensorProto.INT64, dims) for n in INPUT_NAMES],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", w]) for n, w in outputs.items()],
        initializer=g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="groundswell")
    model.ir_version = min(model.ir_version, 9)  # readable by every supported onnxruntime
    checker.check_model(model)
    return model


def build_model(checkpoint: Path, layers: Sequence[int], opset: int = 18) -> Any:
    """The onnx.ModelProto of the checkpoint's encoder with mean pooling of `layers` (see module doc)."""
    from onnx import helper

    config, tensors = read_checkpoint(checkpoint)
    g = _Graph(tensors)
    count = config["num_hidden_layers"] + 1
    wanted = [_hidden_index(int(layer), count) for layer in layers]
    mask, bias = _padding(g)
    states = [_embeddings(g, float(config.get("layer_norm_eps", 1e-12)))]
    for i in range(max(wanted)):
        states.append(_layer(g, states[-1], bias, i, config))
    pooled = _mean_pool(g, [states[i] for i in wanted], mask)
    g.nodes.append(helper.make_node("Concat", pooled, [OUTPUT_NAME], axis=-1, name="concat_pooled"))
    return _finish(g, {OUTPUT_NAME: config["hidden_size"] * len(wanted)}, opset)


BRANCH_ROOT = "branch."
BASE_OUTPUT, BRANCH_OUTPUT = "embedding", "branch"


def build_branched(checkpoint: Path, branch: dict[str, np.ndarray], first: int, opset: int = 18,
                   with_base: bool = True) -> Any:
    """One pass, two outputs: the checkpoint's own last layer mean-pooled (`embedding`), and the same
    with layers `first`.. replaced by `branch`'s weights (BertModel names), mean-pooled (`branch`).

    The layers below `first` run once for both, so a fine-tuned top (the sentiment model) and the
    untouched encoder (sentence embeddings for themes) cost one shared lower pass. `with_base=False`
    leaves the untouched top layers out (output `branch` only): ONNX Runtime runs every node of a
    graph whichever outputs are asked for, so a caller that needs no embedding needs this graph.
    """
    import numpy as np

    config, tensors = read_checkpoint(checkpoint)
    last = config["num_hidden_layers"]
    if not 0 <= first < last:  # 0: every layer fine-tuned, only the embedding layer shared
        raise ValueError(f"branch must start between layer 0 and {last - 1}, not {first}")
    for i in range(first, last):
        for name in [k for k in tensors if k.startswith(f"encoder.layer.{i}.")]:
            if name not in branch:
                raise ValueError(f"branch weights lack {name}")
            tensors[BRANCH_ROOT + name] = np.asarray(branch[name], dtype=np.float32)
    g = _Graph(tensors)
    mask, bias = _padding(g)
    shared = _embeddings(g, float(config.get("layer_norm_eps", 1e-12)))
    for i in range(first):
        shared = _layer(g, shared, bias, i, config)
    base, tuned = shared, shared
    for i in range(first, last):
        if with_base:
            base = _layer(g, base, bias, i, config)
        tuned = _layer(g, tuned, bias, i, config, root=BRANCH_ROOT)
    hidden = config["hidden_size"]
    if not with_base:
        (pooled_tuned,) = _mean_pool(g, [tuned], mask)
        g.nodes.append(_rename(g, pooled_tuned, BRANCH_OUTPUT))
        return _finish(g, {BRANCH_OUTPUT: hidden}, opset)
    pooled_base, pooled_tuned = _mean_pool(g, [base, tuned], mask)
    g.nodes.append(_rename(g, pooled_base, BASE_OUTPUT))
    g.nodes.append(_rename(g, pooled_tuned, BRANCH_OUTPUT))
    return _finish(g, {BASE_OUTPUT: hidden, BRANCH_OUTPUT: hidden}, opset)


def _rename(g: _Graph, src: str, out: str) -> Any:
    from onnx import helper

    return helper.make_node("Identity", [src], [out], name=f"output_{out}")


def write_model(checkpoint: Path, layers: Sequence[int], out: Path, opset: int = 18) -> Path:
    """Build (see `build_model`) and save to `out` (one file; weights inline, < 2 GB)."""
    import onnx

    onnx.save_model(build_model(checkpoint, layers, opset), str(out))
    return Path(out)
