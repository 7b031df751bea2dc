"""Renaming a brand on Elasticsearch (`groundswell brands rename`): its mentions, and its alerts' documents.

Mentions are read with their version (`_seq_no`, `_primary_term`) and written back whole, renamed
(`indexing.base.renamed_brand`), each only if nobody wrote it since: a conflicting write (an analyst's correction,
the spam step) is read again and renamed again, never overwritten. The document stays in the monthly index it was
found in. Alert documents (`<prefix>-alerts`, Kibana's copy of the alert log) are keyed by alert id, which hashes the
brand (`core.alert`): the renamed alerts are written under their new ids and the old documents deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from indexing.base import renamed_brand
from indexing.elasticsearch_bulk import delete_all, is_conflict, write_all
from indexing.elasticsearch_mapping import doc_id, from_document, to_document

if TYPE_CHECKING:
    from indexing.elasticsearch import ElasticsearchStore

ROUNDS = 5  # reads and writes again after a conflict: another writer changed the post meanwhile
CHUNK = 500


def rename_mentions(store: ElasticsearchStore, old: str, new: str, ids: Iterable[str]) -> int:
    """Rewrite the stored mentions of `ids` that name `old` with `new` in its place; return how many were written.
    A document this version cannot read, or one still conflicting after ROUNDS tries, is left as it is (named in
    the error the caller sees as fewer renamed: the next run of the command renames it)."""
    wanted = list(dict.fromkeys(ids))
    renamed = 0
    for start in range(0, len(wanted), CHUNK):
        todo = [doc_id(i) for i in wanted[start : start + CHUNK]]
        for _ in range(ROUNDS):
            if not todo:
                break
            res = store._search("read mentions to rename", query={"ids": {"values": todo}}, size=2 * len(todo),
                                seq_no_primary_term=True)
            actions: list[dict[str, Any]] = []
            for hit in res["hits"]["hits"]:
                try:
                    mention = from_document(hit["_source"])
                except ValueError:
                    continue  # a copy this version cannot read is never overwritten
                after = renamed_brand(mention, old, new)
                if after is mention:
                    continue
                actions.append({"_op_type": "index", "_index": hit["_index"], "_id": hit["_id"],
                                "_source": to_document(after), "if_seq_no": hit["_seq_no"],
                                "if_primary_term": hit["_primary_term"]})
            results = list(write_all(store.bulk_client, actions, store.bulk)) if actions else []
            renamed += sum(r.ok for r in results)
            todo = [r.id for r in results if is_conflict(r)]
    store._refresh()
    return renamed


def delete_alert_documents(store: ElasticsearchStore, ids: Iterable[str]) -> int:
    """Delete these alert documents from `<prefix>-alerts` (ids not there are no error); return how many went."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return 0
    return delete_all(store.client, store.alerts_index, wanted, store.bulk, "alert document(s)")
