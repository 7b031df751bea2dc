"""Spike detector on synthetic series: fires on planted crises, not on noise or viral praise."""

from __future__ import annotations

from alert_series import START, add_negative, add_viral_positive, rhythm_series, series

from alerts.config import SpikeRule
from alerts.spike import detect_spikes

CRISIS_AT = 16 * 24 + 15  # day 16, 15:00


def spikes(detections, opening_only: bool = True):
    return [d for d in detections if d.alert.kind == "spike" and (not opening_only or not d.alert.subject)]


def near_crisis(detections, before: int = 12, after: int | None = None):
    """Detections from half a day before the planted crisis on (until `after` buckets after it).
    Balanced spends about 0.8 false alerts per brand-week on noise (docs/alerts.md), so three
    weeks of it may hold one or two."""
    last = float("inf") if after is None else CRISIS_AT + after
    return [d for d in detections if CRISIS_AT - before <= d.bucket <= last]


def test_quiet_series_raises_no_count_alert_and_little_else():
    for seed in (1, 2, 3, 4):
        negative, total = rhythm_series(seed=seed)
        found = spikes(detect_spikes(series(negative, total), "acme"))
        assert [d.alert.detector for d in found if d.alert.detector == "count"] == []  # p < 1e-4 is news
        assert len(found) <= 2, [(d.bucket, d.alert.detector, d.alert.p_value) for d in found]  # 3 weeks of noise
    assert spikes(detect_spikes(series(negative, total), "acme", SpikeRule(preset="fewer"))) == []


def test_planted_spike_fires_in_its_onset_bucket():
    negative, total = rhythm_series()
    add_negative(negative, total, CRISIS_AT, [25, 30, 18, 8])
    found = spikes(near_crisis(detect_spikes(series(negative, total), "acme")))
    assert len(found) == 1
    alert = found[0].alert
    assert found[0].bucket == CRISIS_AT
    assert alert.window_start == START.replace(day=18, hour=15)
    assert alert.observed == negative[CRISIS_AT]
    assert alert.expected < alert.observed / 3
    assert alert.p_value is not None and alert.p_value < 1e-4
    assert alert.negative_share > alert.expected_share
    assert alert.statistic in ("negative_binomial", "poisson")


def test_viral_positive_spike_does_not_fire():
    negative, total = rhythm_series()
    # Ten times the usual volume for three hours, 10% negative (the usual share is 15%):
    # negative *counts* are far above normal, the negative *share* is not.
    add_viral_positive(negative, total, CRISIS_AT, [300, 400, 150])
    assert negative[CRISIS_AT] > 15  # well above the ~3 negatives this hour usually has
    assert spikes(near_crisis(detect_spikes(series(negative, total), "acme"))) == []


def test_burst_whose_extra_posts_are_mostly_not_negative_does_not_fire():
    negative, total = rhythm_series()
    # Seven times the usual volume; 35% of the burst's posts are negative, over twice the usual 15%,
    # so the bucket's share passes the old viral guard (1.6x), but two thirds of the *extra* posts
    # are not complaints.
    add_viral_positive(negative, total, CRISIS_AT, [150, 200, 100], negative_share=0.35)
    assert negative[CRISIS_AT] / total[CRISIS_AT] > 1.6 * 0.15
    assert spikes(near_crisis(detect_spikes(series(negative, total), "acme"))) == []


def test_small_brand_crisis_that_triples_volume_still_fires():
    level = 2.0
    negative, total = rhythm_series(level=level)
    add_negative(negative, total, CRISIS_AT, [14, 10, 6])  # a crisis *is* a burst at ~2.5 posts an hour
    assert total[CRISIS_AT] > 3 * level * (0.3 + 1)  # the 15:00 rate is level x (0.3 + 0.94)
    found = spikes(near_crisis(detect_spikes(series(negative, total), "tiny")))
    assert [d.bucket for d in found] == [CRISIS_AT]


def test_minimum_volume_keeps_tiny_brands_quiet():
    negative, total = rhythm_series(level=1.0, share=0.1)
    add_negative(negative, total, CRISIS_AT, [3])
    assert spikes(detect_spikes(series(negative, total), "tiny")) == []
    rule = SpikeRule(min_negative=2, threshold=2.0)
    assert len(spikes(detect_spikes(series(negative, total), "tiny", rule))) == 1


def test_all_clear_follows_the_end_of_the_episode():
    negative, total = rhythm_series()
    add_negative(negative, total, CRISIS_AT, [25, 30, 18])
    found = near_crisis(detect_spikes(series(negative, total), "acme", SpikeRule(cooldown_buckets=0, clear_after=3)))
    kinds = [d.alert.kind for d in found]
    assert kinds[0] == "spike" and kinds[-1] == "all_clear"
    clear = found[-1]
    assert clear.alert.episode_id == found[0].alert.id
    assert clear.alert.window_start == found[0].alert.window_start
    assert clear.bucket >= CRISIS_AT + 3 + 2  # three busy buckets, then three quiet ones


def test_cooldown_merges_a_relapse_into_one_episode():
    negative, total = rhythm_series()
    add_negative(negative, total, CRISIS_AT, [25])
    add_negative(negative, total, CRISIS_AT + 5, [25])  # flares up again 5 hours later
    long_cooldown = spikes(near_crisis(detect_spikes(series(negative, total), "acme", SpikeRule(cooldown_buckets=12))))
    assert len(long_cooldown) == 1
    no_cooldown = spikes(
        near_crisis(detect_spikes(series(negative, total), "acme", SpikeRule(cooldown_buckets=0, clear_after=2)))
    )
    assert len(no_cooldown) == 2


def test_escalation_when_it_keeps_growing():
    negative, total = rhythm_series()
    add_negative(negative, total, CRISIS_AT, [10, 25, 60, 20])
    found = near_crisis(detect_spikes(series(negative, total), "acme"))
    escalations = [d for d in found if d.alert.subject and d.alert.subject.startswith("escalation")]
    assert escalations, [d.alert.kind for d in found]
    assert escalations[0].alert.episode_id == found[0].alert.id
    assert escalations[-1].alert.severity == "critical"
    assert len({d.alert.id for d in found}) == len(found)


def test_sudden_spike_inside_a_slow_episode_escalates():
    # A slow drift opens an episode (CUSUM); hours later a sudden jump that is a spike on its
    # own but below 2x the drift's peak must still reach the manager, as an escalation.
    negative, total = rhythm_series(level=80)
    add_negative(negative, total, CRISIS_AT - 8, [2, 4, 6, 8, 10, 12, 12, 12, 12, 12, 12, 12])
    found = near_crisis(detect_spikes(series(negative, total), "acme"), after=24)
    opening = spikes(found)
    assert len(opening) == 1 and opening[0].alert.detector == "cusum"
    start = int((opening[0].alert.window_start - START) / series(negative, total).step)
    peak = max(negative[start : opening[0].bucket + 1])
    jump_at = opening[0].bucket + 2
    # Just below twice the drift's peak, so "it doubled" (the usual escalation) does not apply.
    add_negative(negative, total, jump_at, [int(2 * peak - 1 - negative[jump_at])])
    found = near_crisis(detect_spikes(series(negative, total), "acme"), after=24)
    assert spikes(found)[0].alert.id == opening[0].alert.id
    escalations = [d for d in spikes(found, opening_only=False) if d.alert.subject]
    assert [(d.bucket, d.alert.detector) for d in escalations][:1] == [(jump_at, "count")]


def test_ids_are_stable_across_runs_and_series_extent():
    negative, total = rhythm_series()
    add_negative(negative, total, CRISIS_AT, [25, 30])
    first = spikes(near_crisis(detect_spikes(series(negative, total), "acme")))
    again = spikes(near_crisis(detect_spikes(series(negative, total), "acme")))
    assert [d.alert.id for d in first] == [d.alert.id for d in again]
    # A scheduled run sees only the end of the history: same episode start, same id.
    later = spikes(near_crisis(detect_spikes(series(negative[: CRISIS_AT + 6], total[: CRISIS_AT + 6]), "acme")))
    assert [d.alert.id for d in later] == [first[0].alert.id]


def test_slow_crisis_caught_by_cusum_not_by_single_buckets():
    negative, total = rhythm_series(level=80)
    ramp = [2, 4, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10]  # ~2 sd an hour: never extreme on its own
    add_negative(negative, total, CRISIS_AT - 8, ramp)
    count_only = spikes(detect_spikes(series(negative, total), "acme", SpikeRule(slow="off")))
    with_cusum = spikes(near_crisis(detect_spikes(series(negative, total), "acme", SpikeRule(slow="cusum")), after=24))
    with_ewma = spikes(near_crisis(detect_spikes(series(negative, total), "acme", SpikeRule(slow="ewma")), after=24))
    assert count_only == []
    assert len(with_cusum) == 1 and with_cusum[0].alert.detector == "cusum"
    assert CRISIS_AT - 8 <= with_cusum[0].bucket < CRISIS_AT + 4
    assert with_cusum[0].alert.window_start <= with_cusum[0].decided_at - 2 * series(negative, total).step
    assert len(with_ewma) == 1 and with_ewma[0].alert.detector == "ewma"


def test_presets_order_sensitivity():
    negative, total = rhythm_series()
    add_negative(negative, total, CRISIS_AT, [7])  # a modest bump
    fired = {
        preset: len(spikes(detect_spikes(series(negative, total), "acme", SpikeRule(preset=preset, slow="off"))))
        for preset in ("fewer", "balanced", "more")
    }
    assert fired["fewer"] <= fired["balanced"] <= fired["more"]
    assert fired["more"] == 1 and fired["fewer"] == 0
