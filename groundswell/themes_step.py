"""The themes step: per brand, an incremental pass by default, a full clustering when needed.

Incremental (the default): the brand's stored centroids (nlp/theme_state.py) take the
*new* posts only — enriched posts in the window that carry none of the brand's theme labels and
were not already looked at — each to the nearest theme it fits (nlp/theme_centroids.py), in the
space of the last full clustering (its stored language means, nlp/theme_space.py). A theme the new posts bring
enough posts of a language it has no label in (the full clustering's rule) is labelled in it as a full clustering
would (nlp/theme_relabel.py). A pass with nothing new reads the store and encodes nothing.

Full (k-means over the whole window, nlp/themes.py) when asked (`groundswell themes --full`, the
maintenance DAG), when the brand has no centroids yet, or when the new posts drifted away from
the themes (nlp.theme_centroids.drifted). A full pass keeps the names of the stored themes it continues,
and a stored post whose theme lives on keeps it (nlp/theme_align.py): past weeks' figures stay.

Either pass holds the brand's window as `ThemePost`s (nlp/theme_posts.py), the few fields themes read, streamed
from the store's read: never as whole `Mention`s (3.7 GB for a 300,000-post window before clustering began).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from core.mention import Mention
from core.query import parse
from core.query.aliases import written
from groundswell.config import BrandConfig
from indexing.base import THEMES, Filters, Store
from nlp import theme_align, theme_relabel
from nlp.embeddings import SentenceEmbeddings
from nlp.normalize import normalize as clean
from nlp.theme_centroids import assign_paths, drifted, unfit_share
from nlp.theme_posts import ThemePost
from nlp.theme_state import BrandThemes, ThemeState
from nlp.themes import ThemeModel, label_exclusions, post_lang, theme_group, themes_with_centroids
from nlp.tokenize import keyword_key

log = logging.getLogger(__name__)
MIN_POSTS = 20  # fewer enriched posts than this: no themes for the brand
MAX_THEMES = 25


@dataclass
class BrandPass:
    """What one brand's pass did."""

    brand: str
    mode: str  # "full" or "incremental"
    reason: str = ""  # why full: "asked", "no centroids", "drift"
    new: int = 0  # posts an incremental pass looked at
    assigned: int = 0  # of those, put in a theme
    unfit_share: float | None = None
    kept: int = 0  # full: themes that kept the name of the stored theme they continue (nlp/theme_align.py)
    moved: int = 0  # full: stored posts whose labels changed
    # incremental: "<theme> (<lang>)" for each language the new posts brought a theme a label in (nlp/theme_relabel.py)
    relabelled: list[str] = field(default_factory=list)
    themes: list[dict] = field(default_factory=list)


@dataclass
class _Labels:
    """Label changes for the mentions of this pass, applied once (a post may belong to several brands).

    Each brand's labels on a post are its own (`Mention.brand_themes`, top-level theme first): a brand that
    re-clusters replaces only its own, so two brands of one post never count each other's themes, even
    when their clusters got the same label. `Mention.themes` is the union, plus labels stored before
    `brand_themes` existed (of no known brand): of those, a brand that re-clusters drops only labels no
    other brand of the post holds, so a new brand, or one whose stored themes are damaged or of an older
    version, must not wipe the themes of the brands it shares posts with.
    """

    mentions: dict[str, ThemePost] = field(default_factory=dict)
    # mention id -> re-clustered brand -> the unattributed labels it drops there (None: any no other brand holds)
    drop: dict[str, dict[str, set[str] | None]] = field(default_factory=dict)
    # mention id -> brand -> the labels this pass puts there for that brand
    add: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # brand -> the labels of its stored themes (read before this pass); a brand re-clustered in this pass
    # holds only what it puts on each post (`add`), so its superseded labels protect nothing
    stored: dict[str, set[str]] = field(default_factory=dict)
    reclustered: set[str] = field(default_factory=set)
    # brand -> aspect label -> its parent: a brand's labels on a post are written top-level theme first
    parents: dict[str, dict[str, str]] = field(default_factory=dict)
    # Each brand's themes, saved only once the labels are stored: a crash in between re-themes the
    # same new posts next pass instead of remembering them as looked at without their labels.
    states: dict[str, BrandThemes] = field(default_factory=dict)

    def put(self, m: ThemePost, brand: str, label: str) -> None:
        self.mentions[m.id] = m
        mine = self.add.setdefault(m.id, {}).setdefault(brand, [])
        if label not in mine:
            mine.append(label)

    def clear(self, m: ThemePost, brand: str, labels: set[str] | None) -> None:
        """`brand` re-clusters `m`: its own labels go, and of the unattributed ones its `labels` (None: every
        label no other brand holds)."""
        self.mentions[m.id] = m
        self.reclustered.add(brand)
        self.drop.setdefault(m.id, {})[brand] = labels
        self.add.get(m.id, {}).pop(brand, None)  # what this pass adopted for it first (then it drifted) goes too

    def changed(self) -> Iterator[Mention]:
        """The themes write of each post whose labels this pass changed, built as the upsert takes it."""
        for mid, m in self.mentions.items():
            per = {b: list(v) for b, v in m.brand_themes.items() if b not in self.drop.get(mid, {})}
            for brand, put in self.add.get(mid, {}).items():
                mine = per.setdefault(brand, [])
                mine += [t for t in put if t not in mine]
                parents = self.parents.get(brand, {})
                mine.sort(key=lambda t, p=parents: t in p)  # stable: the top-level theme first, then aspects
            per = {b: v for b, v in sorted(per.items()) if v}
            held = {t for v in per.values() for t in v}
            legacy = [t for t in unattributed(m) if t not in held and not self._dropped(m, t)]
            union = set(legacy) | held
            labels = [t for t in m.themes if t in union] + [t for v in per.values() for t in v if t not in m.themes]
            labels = list(dict.fromkeys(labels))
            if labels != m.themes or per != m.brand_themes:
                yield m.labelled(labels, per)

    def _dropped(self, m: ThemePost, label: str) -> bool:
        """Whether a brand re-clustering `m` drops unattributed `label` and no other brand of the post holds it."""
        return any((gone is None or label in gone) and not self._held_by_another(m, label, brand)
                   for brand, gone in self.drop.get(m.id, {}).items())

    def _held_by_another(self, m: ThemePost, label: str, brand: str) -> bool:
        # Only the post's own brands: a label string another brand's themes happen to share elsewhere
        # does not keep a stale label here. Re-clustered brands hold what they put back (`add`).
        return any(label in self.stored.get(other, ()) for other in m.brands
                   if other != brand and other not in self.reclustered)


def unattributed(m: Mention | ThemePost) -> list[str]:
    """`m`'s theme labels of no known brand: written before `Mention.brand_themes` existed."""
    held = {t for v in m.brand_themes.values() for t in v}
    return [t for t in m.themes if t not in held]


def own_labels(m: Mention | ThemePost, brand: str) -> list[str]:
    """The labels `brand`'s themes gave `m`: its `brand_themes` entry, or, for a post from before that field,
    the unattributed labels (which of them are the brand's, the caller's stored themes say)."""
    return m.brand_themes[brand] if brand in m.brand_themes else unattributed(m)


def update(
    store: Store,
    brands: Sequence[BrandConfig],
    model_text: Callable[[ThemePost], str],
    embeddings: SentenceEmbeddings,
    *,
    filters: Filters = Filters(),
    full: bool = False,
    progress: bool = False,
    tick: Callable[[], None] = lambda: None,
) -> list[BrandPass]:
    """Theme every brand's enriched mentions matching `filters`; write the labels; what each pass did."""
    state = ThemeState(store)
    labels = _Labels()
    passes = []
    for brand in brands:
        done = _brand_pass(store, state, brand, filters.replace(brand=brand.name), model_text, embeddings,
                           full, progress, labels)
        if done is not None:
            passes.append(done)
            log.info("themes %s: %s%s, %d new, %d assigned", brand.name, done.mode,
                     f" ({done.reason})" if done.reason else "", done.new, done.assigned)
        tick()
    failed = [r for r in store.upsert(labels.changed(), fields=THEMES) if not r.ok]
    if failed:
        raise RuntimeError(f"could not store themes: {failed[0].error}")
    for brand_name, themes in labels.states.items():
        state.save(brand_name, themes)
    return passes


def _brand_pass(
    store: Store, state: ThemeState, brand: BrandConfig, filters: Filters, model_text: Callable[[ThemePost], str],
    embeddings: SentenceEmbeddings, full: bool, progress: bool, labels: _Labels,
) -> BrandPass | None:
    saved = state.load(brand.name)
    # Read before the size check: a brand with too few posts in this window still holds its stored labels.
    labels.stored[brand.name] = saved.labels if saved is not None else set()
    # Streamed: each mention read becomes the few fields themes use (nlp/theme_posts.py) before the next page.
    mentions = [ThemePost.of(m) for m in store.iter_mentions(filters) if m.enriched]
    if len(mentions) < MIN_POSTS:
        return None
    reason = "asked" if full else "no centroids" if saved is None else ""
    if saved is not None and not reason:
        labels.parents[brand.name] = {c.label: c.parent for c in saved.centroids if c.parent}
        _adopt(brand.name, mentions, saved, labels)
        new = [m for m in mentions
               if not (saved.labels & set(own_labels(m, brand.name))) and m.id not in saved.unthemed]
        if not new:  # the common case: no encoder, no clustering
            return BrandPass(brand.name, "incremental", themes=_summary(saved))
        analysed = [replace(m, text=model_text(m)) for m in new]  # as a full pass reads them
        vectors = embeddings.for_texts([clean(m.text) for m in analysed])
        vectors = saved.centring.apply(vectors, [post_lang(m) for m in analysed])
        found = assign_paths(saved.centroids, vectors, [theme_group(m) for m in new])
        if not drifted([path[0] if path else None for path in found], saved.baseline_unfit):
            done = _keep(brand.name, saved, new, found, labels)
            done.relabelled = _label_new_languages(brand, saved, mentions, analysed, found, model_text)
            return done
        reason = "drift"
    return _recluster(brand, mentions, saved, reason, model_text, embeddings, progress, labels)


def _adopt(brand: str, mentions: list[ThemePost], saved: BrandThemes, labels: _Labels) -> None:
    """Posts themed before `Mention.brand_themes` existed: the brand takes, once, the unattributed labels
    its stored themes hold. Exact unless another brand of the post has a theme of the same label;
    `groundswell themes --full` redraws it exactly."""
    for m in mentions:
        if brand not in m.brand_themes:
            for label in unattributed(m):
                if label in saved.labels:
                    labels.put(m, brand, label)


def _keep(
    brand: str, saved: BrandThemes, new: list[ThemePost], found: list[list[str]], labels: _Labels
) -> BrandPass:
    """Put the new posts in the themes (and aspects) they fit; remember the rest as looked at."""
    counts = {c.label: c for c in saved.centroids}
    for m, path in zip(new, found, strict=True):
        if not path:
            saved.unthemed.add(m.id)
        for label in path:
            labels.put(m, brand, label)
            counts[label].count += 1
    labels.states[brand] = saved
    top = [path[0] if path else None for path in found]
    assigned = sum(label is not None for label in top)
    return BrandPass(brand, "incremental", new=len(new), assigned=assigned, unfit_share=round(unfit_share(top), 4),
                     themes=_summary(saved))


def _label_new_languages(
    brand: BrandConfig, saved: BrandThemes, mentions: list[ThemePost], analysed: list[ThemePost],
    found: list[list[str]], model_text: Callable[[ThemePost], str],
) -> list[str]:
    """Label each theme in the languages the new posts (`analysed`, placed on `found`) brought it enough posts of
    for a label of their own, as a full clustering would (nlp/theme_relabel.py); the labels go into `saved`, which
    is stored after the pass. Reads no encoder: only the window's texts, and only when a theme needs a label."""
    placed = {m.id: path for m, path in zip(analysed, found, strict=True)}
    paths = [placed[m.id] if m.id in placed else [t for t in own_labels(m, brand.name) if t in saved.labels]
             for m in mentions]
    langs = [post_lang(m) for m in mentions]
    new = [i for i, m in enumerate(mentions) if m.id in placed]
    wanted = theme_relabel.missing_languages(saved.centroids, paths, langs, new)
    if not wanted:
        return []
    text_of = {m.id: m.text for m in analysed}  # as the pass read them; the rest as a full pass reads them
    texts = [text_of[m.id] if m.id in text_of else model_text(m) for m in mentions]
    exclude = label_exclusions(sorted(label_stopwords(brand)))
    got = theme_relabel.language_labels(saved.centroids, wanted, texts, langs, [theme_group(m) for m in mentions],
                                        paths, exclude)
    for c in saved.centroids:
        if c.label in got:
            c.info["labels"] = {**(c.info.get("labels") or {}), **got[c.label]}
    return [f"{label} ({lang})" for label, by_lang in got.items() for lang in sorted(by_lang)]


def _recluster(
    brand: BrandConfig, mentions: list[ThemePost], saved: BrandThemes | None, reason: str,
    model_text: Callable[[ThemePost], str], embeddings: SentenceEmbeddings, progress: bool, labels: _Labels,
) -> BrandPass:
    """Cluster the brand's window in full. Themes that continue stored ones keep their names, and a stored
    post whose theme lives on keeps it (nlp/theme_align.py); the rest of its labels are the new clustering's."""
    import sys  # lazy: only to ask whether stderr is a terminal

    stop = label_stopwords(brand)
    # Themes read what sentiment read (capped, brand names as @user: the vectors it kept are of that text);
    # labels are written back onto the full mentions.
    analysed = [replace(m, text=model_text(m)) for m in mentions]
    bar = progress and sys.stderr.isatty()  # the encoder's own bar; elsewhere the "themes: started" line says it
    model = themes_with_centroids(analysed, MAX_THEMES, tuple(sorted(stop)), bar, embeddings)
    stored = stored_paths(brand.name, mentions, saved)
    placed, kept = _align(model, mentions, stored, saved)
    # Its own labels (`brand_themes`) are replaced. Of labels from before that field: without stored themes (new
    # brand, damaged or old-version entry) it drops every one, but `_Labels` keeps those another brand holds.
    for m in mentions:
        labels.clear(m, brand.name, saved.labels if saved is not None else None)
    by_id = {m.id: m for m in mentions}
    labels.parents[brand.name] = {c.label: c.parent for c in model.centroids if c.parent}
    for mid, found in placed.items():
        for label in found:
            labels.put(by_id[mid], brand.name, label)
    unthemed = {mid for mid, found in placed.items() if not found}
    state = BrandThemes(model.centroids, unthemed, model.baseline_unfit, centring=model.centring)
    labels.states[brand.name] = state
    moved = sum(bool(old) and old != placed[mid] for mid, old in stored.items())
    return BrandPass(brand.name, "full", reason, kept=kept, moved=moved, themes=_summary(state))


def stored_paths(brand: str, mentions: Sequence[ThemePost], saved: BrandThemes | None) -> dict[str, list[str]]:
    """Each post's stored labels of `brand`'s themes (top-level first): its `brand_themes` entry, or, for a
    post from before that field, the unattributed labels the brand's stored themes hold."""
    out = {}
    for m in mentions:
        if brand in m.brand_themes:
            own = list(m.brand_themes[brand])
        else:
            own = [t for t in unattributed(m) if saved is not None and t in saved.labels]
        if own:
            out[m.id] = own
    return out


def _align(
    model: ThemeModel, mentions: Sequence[ThemePost], stored: dict[str, list[str]], saved: BrandThemes | None,
) -> tuple[dict[str, list[str]], int]:
    """(each post's labels after the re-clustering, the number of themes that kept a stored name).

    The model's themes and centroids are renamed in place; a theme left with no post is dropped."""
    members: dict[str, set[str]] = {}
    for mid, had in stored.items():
        for label in had:
            members.setdefault(label, set()).add(mid)
    # A stored theme's level: its stored centroid's, else where posts carry it (top-level first).
    old_parent = {c.label: c.parent for c in saved.centroids} if saved is not None else {}
    top_old = {t for t in members if t in old_parent and old_parent[t] is None}
    top_old |= {had[0] for had in stored.values() if had[0] not in old_parent}
    matched = theme_align.match({t: s for t, s in members.items() if t in top_old},
                                {t.label: t.member_ids for t in model.themes if t.parent is None})
    matched |= theme_align.match({t: s for t, s in members.items() if t not in top_old},
                                 {t.label: t.member_ids for t in model.themes if t.parent is not None})
    renamed = theme_align.names([t.label for t in model.themes], matched)
    before = {c.label: c.info.get("labels") for c in saved.centroids} if saved is not None else {}
    for t in model.themes:
        t.label, t.parent = renamed[t.label], renamed.get(t.parent, t.parent) if t.parent else None
    for c in model.centroids:
        c.label, c.parent = renamed[c.label], renamed.get(c.parent, c.parent) if c.parent else None
        if c.parent:
            c.info["parent"] = c.parent
        if c.label in matched.values() and before.get(c.label):  # the stored key phrases, new languages added
            c.info["labels"] = before[c.label] | {k: v for k, v in c.info.get("labels", {}).items()
                                                  if k not in before[c.label]}
    fresh: dict[str, list[str]] = {}
    for t in model.themes:  # top-level themes come before their aspects
        for mid in t.member_ids:
            fresh.setdefault(mid, []).append(t.label)
    parent = {c.label: c.parent for c in model.centroids}
    kept = set(matched.values())
    placed = {m.id: theme_align.path(stored.get(m.id, []), fresh.get(m.id, []), kept, parent) for m in mentions}
    counts = Counter(label for found in placed.values() for label in found)
    model.centroids = [c for c in model.centroids if counts[c.label]]
    for c in model.centroids:
        c.count = counts[c.label]
    return placed, len(kept & {c.label for c in model.centroids})


def label_stopwords(brand: BrandConfig) -> set[str]:
    """The brand's own name, query words and aliases (Люмора, 루모라, 露莫拉: every name it is matched by), as
    the tokenizer writes them: in every post, useless as theme labels. Their other forms (Люморы, a piece
    jieba cuts from 露莫拉) are left out where labels are made (`nlp.label_words.brand_word`). Keyed as theme words
    are (`nlp.tokenize.keyword_key`): the brand "Yıldız" is the word yildiz its posts' themes count."""
    names = [brand.name, *parse(brand.query).positive_terms(), *(written(alias)[0] for alias in brand.aliases)]
    return {keyword_key(n).lstrip("#@") for n in names}


def _summary(themes: BrandThemes) -> list[dict]:
    ranked = sorted(themes.centroids, key=lambda c: (-c.count, c.label))
    return [{"label": c.label, "count": c.count} | ({"parent": c.parent} if c.parent else {}) for c in ranked]
