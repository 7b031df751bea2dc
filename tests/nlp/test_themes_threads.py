"""Themes do not depend on the thread count: the same posts give the same clusters on 1, 2 or 4 threads.

scikit-learn's k-means adds each OpenMP thread's partial centre sums together, so its distances
(and on a big window, which post lands where) changed with the thread count: the GOP debate stream
gave other themes on one thread than on two. `nlp.themes._cluster` pins k-means to
`KMEANS_THREADS`; here a slice of that real stream, embedded by the real encoder, is clustered
under different thread limits and must come out bit for bit the same.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from nlp.embeddings import SentenceEmbeddings
from nlp.normalize import normalize as clean
from nlp.themes import _cluster, _features
from tests.conftest import shared_path
from tools.themes.evaluate import load_stream

SLICE = 500
THREADS = (1, 2, 4)  # 4 on a 2-core machine too: OpenMP runs that many threads whatever the cores


@pytest.fixture(scope="module")
def debate_slice():
    """The real sentence embeddings of the first SLICE posts of the real debate stream."""
    mentions, _ = load_stream(shared_path("data", "streams", "gop-debate-2015"), SLICE)
    return SentenceEmbeddings().for_texts([clean(m.text) for m in mentions])


@pytest.mark.model
def test_kmeans_gives_the_same_clusters_and_distances_on_any_thread_count(debate_slice):
    vectors = debate_slice
    x = _features([], normalize(vectors), words=False)  # the every-language group's features
    runs = []
    for threads in THREADS:
        with threadpool_limits(limits=threads, user_api="openmp"):
            runs.append(_cluster(x, SLICE))
    labels, dist = runs[0]
    assert len(set(labels.tolist())) > 1
    for other_labels, other_dist in runs[1:]:
        # Bit for bit: before the pin, 2 threads' distances differed from one thread's in the 8th digit.
        assert np.array_equal(other_labels, labels)
        assert np.array_equal(other_dist, dist)

