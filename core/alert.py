"""What an alert says: enough for a manager to understand it from the message alone."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.time import as_utc

Severity = Literal["info", "warning", "critical"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}  # the one order of severities
# Which kinds exist is the detectors' registry's business (alerts.kinds), not the model's.
AlertKind = str


class DrivingPost(BaseModel):
    id: str
    url: str | None = None
    text: str
    author: str | None = None
    followers: int | None = None
    engagement: int = 0
    lang: str | None = None
    source: str | None = None
    sentiment: str | None = None  # the post's label, for the badge beside it
    stands_in: bool = False  # viral alerts: a repost stored in place of its original, which was not collected


class Shift(BaseModel):
    """A theme, language or source far more common in the alert's posts than usual:
    `share` of the alert's posts vs `usual_share` of the same kind of posts before it."""

    model_config = ConfigDict(allow_inf_nan=False)

    dimension: Literal["theme", "lang", "source"]
    value: str
    count: int
    share: float
    usual_share: float
    # A theme's aspect that holds most of its posts in the alert's window (a broad theme rises
    # because of one aspect: "praise" because of "launch"); None for languages, sources, and
    # themes without a leading aspect.
    aspect: str | None = None


class LeftOut(BaseModel):
    """What the store set aside from an alert's window that its counts leave out (`alerts.evidence.left_out`):
    `shares`: reposts dropped as copies and recorded as shares; `spam`: posts set aside by a spam rule, per rule
    name ("copy-paste campaign", "link farm", ...); `negative`: how many of both were negative (a repost: its
    original's label)."""

    shares: int = 0
    spam: dict[str, int] = Field(default_factory=dict)
    negative: int = 0


class Alert(BaseModel):
    """One detected event. `id` is stable for the same brand, kind and window, so
    re-running detection yields the same id and delivery can refuse to send twice.

    Every number is finite: JSON has no infinity or NaN, so such a value would be stored as
    null, fail to load back and vanish from the API and the report, and no webhook could
    carry it. An infinite score is refused here, where it is made, not discovered there."""

    model_config = ConfigDict(allow_inf_nan=False)

    id: str = ""
    kind: AlertKind = Field(default="spike", min_length=1, max_length=64)
    brand: str
    severity: Severity = "warning"
    window_start: datetime
    window_end: datetime
    observed: float
    expected: float
    statistic: str = Field(description="Name of the test, e.g. 'poisson' or 'robust_z'")
    score: float = Field(description="The test's value (z, or -log10 p)")
    p_value: float | None = None
    negative_share: float | None = None
    top_posts: list[DrivingPost] = Field(default_factory=list)
    top_terms: list[str] = Field(default_factory=list)
    top_themes: list[str] = Field(default_factory=list)
    key_phrases: list[str] = Field(
        default_factory=list, description="What the alert's posts say far more than usual (alerts.phrases)"
    )
    shifts: list[Shift] = Field(
        default_factory=list, description="Themes, languages and sources over-represented vs the usual mix"
    )
    source_mix: dict[str, int] = Field(default_factory=dict)
    lang_mix: dict[str, int] = Field(default_factory=dict)
    left_out: LeftOut | None = Field(
        default=None, description="What the window's counts leave out: reposts, spam (alerts.evidence.left_out)"
    )
    link: str | None = None
    summary: str = ""
    # What makes two alerts of one kind, brand and window distinct: the crisis term, the
    # influencer's post id, or 'escalation-N'. Part of the id when set.
    subject: str | None = None
    detector: str | None = Field(default=None, description="Which test fired: 'count', 'cusum', 'ewma', ...")
    episode_id: str | None = Field(default=None, description="Id of the alert that opened this episode")
    incident_id: str | None = Field(
        default=None, description="Id of the alert that opened the brand's incident (alerts.incidents)"
    )
    share_p_value: float | None = None
    baseline_days: float | None = Field(
        default=None, description="Days of history the spike baseline learnt from (under 7: still learning the brand)"
    )
    expected_share: float | None = None
    total: int | None = Field(
        default=None,
        description="All mentions of the brand in the window; on an influencer update, the author's posts since "
        "`since`",
    )
    # Not part of the id: an influencer update's id is its own post's (its window is that post's hour), however
    # its run's start moves when an earlier post is collected late or stops counting.
    since: datetime | None = Field(
        default=None,
        description="Influencer updates: the hour of the author's first post counted in `total` (where the run of "
        "posts it updates began); None on every other alert",
    )
    # Set when the alert concerns one source or language of the brand (`alerts.split_by`).
    source: str | None = None
    lang: str | None = None
    counted_sentiment: str | None = Field(
        default=None,
        description="Keyword alerts: the sentiment the detector counted ('negative'), None = every sentiment "
        "(alerts.keyword.negative_only). Spike and influencer alerts always count negatives.",
    )
    query: str | None = Field(
        default=None,
        description="Keyword alerts: the query (docs/query-language.md) whose posts the detector counted: the crisis "
        "term as a phrase, every form of an inflected one, a term group's terms OR-ed. None: the subject as a phrase "
        "(alerts stored before it)",
    )
    term_counts: dict[str, int] = Field(
        default_factory=dict,
        description="Keyword alerts of a term group: each of its terms (as written) that matched the window's "
        "counted posts -> how many (a post may hold several), most first",
    )
    reach: int | None = Field(
        default=None, ge=0,
        description="Viral alerts: the followers of the window's reposters added up, where known (None: none known)",
    )
    # Not part of the id (the same alert decided by another run is the same alert). None: stored before it was
    # recorded (`decided_at` falls back to the window's end).
    decided_at: datetime | None = Field(
        default=None,
        description="When detection decided the alert (`Detection.decided_at`: the end of the bucket that fired it; "
        "an all-clear's `clear_after` quiet buckets after its window, an unanswered-posts alert's run); the earliest "
        "any run decided it (`alerts.detect.detections`). None: an alert stored before this was recorded",
    )

    @field_validator("window_start", "window_end", "decided_at", "since")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # The id hashes window_start's isoformat, so one timezone spelling keeps ids stable.
        return None if value is None else as_utc(value)

    def model_post_init(self, __context: object) -> None:
        if not self.id:
            key = f"{self.kind}|{self.brand}|{self.window_start.isoformat()}"
            if self.subject:
                key += f"|{self.subject}"
            if self.source or self.lang:
                key += f"|source={self.source or ''}|lang={self.lang or ''}"
            self.id = hashlib.sha1(key.encode()).hexdigest()[:16]


def decided_at(alert: Alert) -> datetime:
    """When `alert` was decided: the time detection recorded (`Alert.decided_at`, from `Detection.decided_at`: the
    end of the bucket that fired it), else, for an alert stored before that was recorded, the end of its window.
    The two agree for a spike, an escalation, a keyword, influencer, silence or opportunity alert. They differ for
    an all-clear, whose window is its whole episode: it ends when the crisis ended, and the all-clear is decided
    `clear_after` quiet buckets later (or later still, after `cooldown_buckets`), perhaps on the next day; and for
    an unanswered-posts alert, whose window is its UTC day while it is decided when the run saw the posts waiting.
    The digest and the weekly/monthly reports put an alert on the day or period of this moment, and alert delivery
    sends owed alerts in this order (`alerts.deliver.with_pending`)."""
    return alert.decided_at or alert.window_end


@dataclass
class Detection:
    """An alert and the moment it could first have been sent (end of the deciding bucket)."""

    alert: Alert
    decided_at: datetime
    bucket: int
