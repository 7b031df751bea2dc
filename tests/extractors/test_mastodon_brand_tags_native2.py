"""Mastodon, review dnative finding 4: in an AND, the tags followed are those of the operand that names the brand,
by the repo's one rule for that (`core.query.brand_names.BrandNames`), not of the first operand: a query written
context first (`(petrol OR fuel) AND BP`) followed only the context tags, and the brand's own tag was lost without a
word. A prefix term's stem is never a tag. The run's requests go to a real HTTP server on localhost."""

from __future__ import annotations

import pytest
from extractor_support import Reply

from extractors.base import Window
from extractors.mastodon import MastodonExtractor, query_hashtags


@pytest.mark.parametrize(("brand", "query", "tags"), [
    ("BP", "(petrol OR fuel) AND BP", ["bp"]),
    ("Lumora", "(recall OR overheating) AND (lumora OR #lumora)", ["lumora"]),
    ("Lumora", "lumora AND (overheat* OR recall)", ["lumora"]),  # brand first: as before
    ("Lumora", "Lumor* OR #lumora", ["lumora"]),  # the stem `lumor` is a different tag
    ("Royal Dutch Shell", "(spill OR oil) AND Shell", ["shell"]),  # a word of the name names it (BrandNames)
    ("Acme", "(#Acme OR acme OR \"acme corp\") NOT #ad", ["acme"]),
])
def test_the_and_operand_followed_is_the_one_naming_the_brand(brand, query, tags):
    assert query_hashtags(query, brand) == tags


def test_no_operand_naming_the_brand_keeps_the_first_that_has_tags():
    assert query_hashtags("(petrol OR fuel) AND @bp", "BP") == ["petrol", "fuel"]
    assert query_hashtags("(petrol OR fuel) AND BP") == ["petrol", "fuel"]  # no name given (config check)


def test_a_run_reads_the_brands_tag_timeline(server, policy):
    server.route("/api/v1/timelines/tag/bp", Reply(200, []))
    ex = MastodonExtractor({"api_base_url": server.base})
    ex.retry = policy
    list(ex.extract("BP", "(petrol OR fuel) AND BP", None, Window()))
    tags = [path for path, _ in server.requests if "/timelines/tag/" in path]
    assert tags == ["/api/v1/timelines/tag/bp"]  # before: #petrol and #fuel
