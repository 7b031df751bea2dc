"""Per-brand alert rules (`brands[].alerts`, `alerts.config.rules_for`): two brands getting the same posts are judged
each by its own rules in a real `groundswell detect` (scheduled and --history) and `groundswell alerts backtest`
on the embedded store; a mistake under a brand's `alerts:` is a config error naming the brand; `config show` and
`config check` say what each brand sets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from alerts.catchup import DetectedUpTo
from alerts.config import AlertsConfig, BrandAlerts, rules_for
from core.errors import ConfigError
from core.mention import Author, Mention, analyst_label
from groundswell.cli import cli
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

# A mass-market brand alerted only on authors of 500k followers, a niche one on authors of 5k; the global rule (50k)
# would alert neither on the 20k-follower author below.
MASS = {"name": "Mass", "query": "mass", "alerts": {"influencer": {"min_followers": 500_000}}}
NICHE = {"name": "Niche", "query": "niche", "alerts": {"influencer": {"min_followers": 5_000}}}


def _posts(end: datetime) -> list[Mention]:
    """Posts naming both brands over the 6 hours before `end`: ordinary ones, and one negative post by an author
    with 20,000 followers."""
    out = [
        Mention(source="x", native_id=f"p{i}", text=f"mass and niche, post {i}", created_at=end - timedelta(hours=6)
                + timedelta(minutes=20 * i), brands=["Mass", "Niche"], author=Author(handle=f"user{i}", followers=40),
                sentiment=analyst_label("neutral" if i % 3 else "positive"))
        for i in range(15)
    ]
    out.append(Mention(source="x", native_id="loud", text="mass and niche both broke on me, never again",
                       created_at=end - timedelta(hours=1, minutes=10), brands=["Mass", "Niche"],
                       author=Author(handle="loud_voice", followers=20_000), sentiment=analyst_label("negative")))
    return out


def _config(tmp_path: Path, **alerts: object) -> Path:
    return write_config(tmp_path, brands=[MASS, NICHE], alerts=alerts or {})


def _store_posts(tmp_path: Path, posts: list[Mention]) -> None:
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in store.upsert(posts))
    finally:
        store.close()


def _detect(config: Path, *args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["detect", "--no-send", "-c", str(config), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])["alerts"]


@pytest.mark.parametrize("history", [True, False], ids=["history", "scheduled"])
def test_the_same_post_alerts_the_brand_whose_own_floor_it_passes(tmp_path, history):
    _store_posts(tmp_path, _posts(datetime.now(UTC).replace(second=0, microsecond=0)))
    alerts = _detect(_config(tmp_path), *(["--history"] if history else []))
    influencer = [a for a in alerts if a["kind"] == "influencer"]
    assert [a["brand"] for a in influencer] == ["Niche"]
    assert influencer[0]["expected"] == 5_000  # the message's "over the 5,000 threshold" is the brand's own floor


def test_a_brand_turned_on_alerts_while_alerts_are_off_for_the_rest(tmp_path):
    _store_posts(tmp_path, _posts(datetime.now(UTC).replace(second=0, microsecond=0)))
    niche_on = {**NICHE, "alerts": {"enabled": True, "influencer": {"min_followers": 5_000}}}
    mass_low = {**MASS, "alerts": {"influencer": {"min_followers": 5_000}}}  # it would alert, but alerts are off
    config = write_config(tmp_path, brands=[mass_low, niche_on], alerts={"enabled": False})
    assert [a["brand"] for a in _detect(config, "--history") if a["kind"] == "influencer"] == ["Niche"]


def test_the_backtest_judges_each_brand_by_its_own_rules(tmp_path):
    posts = _posts(datetime(2026, 3, 2, 12, tzinfo=UTC))
    lines = tmp_path / "m.jsonl"
    lines.write_text("".join(p.model_dump_json() + "\n" for p in posts), encoding="utf-8")
    result = CliRunner().invoke(cli, ["alerts", "backtest", "--input", str(lines), "-c", str(_config(tmp_path))])
    assert result.exit_code == 0, result.output
    *alerts, summary = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [a["brand"] for a in alerts if a["kind"] == "influencer"] == ["Niche"]
    assert summary["summary"]["brand_rules"] == {
        "Mass": {"influencer": {"min_followers": 500_000}}, "Niche": {"influencer": {"min_followers": 5_000}},
    }


def test_a_disabled_brands_catch_up_mark_stays_where_it_was(tmp_path):
    # A scheduled run moves the mark of every brand it judged; one whose alerts are off was not judged, so the next
    # run after it is turned back on still catches up on its hours.
    _store_posts(tmp_path, _posts(datetime.now(UTC).replace(second=0, microsecond=0)))
    niche_off = {**NICHE, "alerts": {"enabled": False, "influencer": {"min_followers": 5_000}}}
    _detect(write_config(tmp_path, brands=[MASS, niche_off]))
    store = SqliteStore(tmp_path / "g.db")
    try:
        marks = DetectedUpTo(store)
        assert marks.get("Mass") is not None and marks.get("Niche") is None
    finally:
        store.close()


def test_own_rules_merge_field_by_field_over_the_global_ones():
    config = AlertsConfig.model_validate({"spike": {"preset": "fewer", "min_negative": 7, "bucket": "hour"}})
    brand = type("B", (), {"alerts": BrandAlerts.model_validate({"spike": {"preset": "more"}})})()
    rules = rules_for(config, brand)
    assert (rules.spike.preset, rules.spike.min_negative, rules.spike.bucket) == ("more", 7, "hour")
    assert rules.keyword == config.keyword and rules.enabled is True
    assert rules_for(rules, brand) == rules  # merging twice changes nothing
    assert rules_for(config, type("Plain", (), {})()) is config  # no own rules: the global ones
    forced = brand.alerts.forcing("spike", {"preset": "balanced"})  # `alerts backtest --preset balanced`
    assert rules_for(config, type("F", (), {"alerts": forced})()).spike.preset == "balanced"


@pytest.mark.parametrize(("own", "expected"), [
    ({"spike": {"presett": "more"}}, "brands.1 (Niche).alerts.spike.presett: unknown key"),
    ({"influencer": {"min_followers": 0}}, "brands.1 (Niche).alerts.influencer.min_followers:"),
    ({"spike": {"preset": "loud"}}, "brands.1 (Niche).alerts.spike.preset:"),
    ({"recent_bucket": 2}, "brands.1 (Niche).alerts.recent_bucket: unknown key: remove it or check its spelling"),
    # Spelled right, but one setting for every brand: the error says where it goes, not to check the spelling.
    ({"recent_buckets": 2}, "brands.1 (Niche).alerts.recent_buckets: one setting for every brand: set it under the "
                            "top-level `alerts:`, not under a brand"),
    ({"split_min_share": 0.1}, "brands.1 (Niche).alerts.split_min_share: one setting for every brand"),
    ({"incident_gap_hours": 3}, "brands.1 (Niche).alerts.incident_gap_hours: one setting for every brand"),
    ({"viral": {"min_shares": 3}}, "brands.1 (Niche).alerts.viral: one setting for every brand"),
])  # fmt: skip
def test_a_mistake_under_a_brands_alerts_is_a_config_error_naming_the_brand(tmp_path, own, expected):
    config = write_config(tmp_path, brands=[MASS, {**NICHE, "alerts": own}])
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert expected in str(caught.value)
    check = CliRunner().invoke(cli, ["config", "check", str(config)])
    assert check.exit_code != 0 and expected in check.output


def test_config_show_prints_the_rules_that_judge_each_brand(tmp_path):
    flagship = {"name": "Flagship", "query": "flag", "alerts": {"spike": {"preset": "more"}}}
    config = write_config(tmp_path, brands=[flagship, MASS], alerts={"spike": {"min_negative": 6}})
    result = CliRunner().invoke(cli, ["config", "show", str(config)])
    assert result.exit_code == 0, result.output
    shown = {row["brand"]: row for row in map(json.loads, result.stdout.strip().splitlines())}
    assert shown["Flagship"]["own"] == {"spike": {"preset": "more"}}
    assert shown["Flagship"]["spike"]["preset"] == "more" and shown["Flagship"]["spike"]["min_negative"] == 6
    assert shown["Flagship"]["spike_thresholds"]["threshold"] == 2.5  # the `more` preset's count test
    assert shown["Mass"]["spike"]["preset"] == "balanced"
    assert shown["Mass"]["spike_thresholds"]["threshold"] == 3.0
    assert shown["Mass"]["influencer"]["min_followers"] == 500_000
    assert shown["Flagship"]["influencer"]["min_followers"] == 50_000
    one = CliRunner().invoke(cli, ["config", "show", str(config), "--brand", "Mass"])
    assert [json.loads(line)["brand"] for line in one.stdout.strip().splitlines()] == ["Mass"]
    unknown = CliRunner().invoke(cli, ["config", "show", str(config), "--brand", "Nope"])
    # As every command's --brand: exit 1 (README's exit codes: an unknown brand is no usage mistake), the brands listed
    assert unknown.exit_code == 1 and "unknown brand 'Nope'; the config has: Flagship, Mass" in unknown.output


def test_config_check_notes_what_a_brand_sets_for_itself(tmp_path):
    result = CliRunner().invoke(cli, ["config", "check", str(_config(tmp_path))])
    assert "note: brands.0 (Mass).alerts: own alert rules: influencer.min_followers: 500000 (alerts: 50000)" in (
        result.output
    )


def test_a_brand_counted_in_days_is_not_called_stale_by_the_hourly_window(tmp_path):
    # The run's note "nothing recent to judge" comes from the brand's own window: 3 day buckets for Niche.
    _store_posts(tmp_path, _posts(datetime.now(UTC) - timedelta(hours=24)))
    niche_daily = {**NICHE, "alerts": {"spike": {"bucket": "day"}}}
    config = write_config(tmp_path, brands=[MASS, niche_daily])
    result = CliRunner().invoke(cli, ["detect", "--no-send", "-c", str(config)])
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout.strip().splitlines()[-1])["detect_notes"]
    assert "older than the alert window" in notes["Mass"] and "Niche" not in notes
