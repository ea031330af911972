"""Profiles as data, their strictest combination, and the operator's overrides."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from menshen.companion import (
    CompanionConfig,
    Placement,
    ProfileSettings,
    Protection,
    builtin_profiles,
    combine,
    companion_config,
    load_companion_config,
)
from menshen.companion.config import OPERATOR, default_texts
from menshen.companion.settings import COMBINE_RULES
from menshen.errors import ConfigError

PROFILES = ("cn", "us-ca", "us-ny", "eu")


def test_the_four_profiles_ship() -> None:
    assert set(builtin_profiles()) == set(PROFILES)


@pytest.mark.parametrize(
    ("profile", "field", "value"),
    [
        ("cn", "reminder_every_minutes", 120),
        ("cn", "honour_exit", True),
        ("cn", "explicit_label", True),
        ("cn", "minor_refuse_intimate_persona", True),
        ("us-ca", "minor_reminder_every_minutes", 180),
        ("us-ca", "minor_disclosure_every_minutes", 180),
        ("us-ca", "reminder_every_minutes", None),
        ("us-ca", "crisis_gates_model", True),
        ("us-ca", "count_referrals", True),
        ("us-ny", "disclosure_every_minutes", 180),
        ("us-ny", "start_disclosure_min_gap_minutes", 1440),
        ("us-ny", "crisis_gates_model", False),
        ("eu", "disclose_at_session_start", True),
        ("eu", "implicit_metadata", True),
        ("eu", "explicit_label", False),
    ],
)
def test_profile_defaults_follow_the_requirements(profile: str, field: str, value: object) -> None:
    assert getattr(builtin_profiles()[profile].settings, field) == value


def test_every_field_has_a_combine_rule() -> None:
    assert set(COMBINE_RULES) == set(ProfileSettings.model_fields)


def test_every_profile_names_a_source_for_what_it_turns_on() -> None:
    for name, entry in builtin_profiles().items():
        s = entry.settings
        on = {
            Protection.REMINDER: s.reminder_every_minutes is not None,
            Protection.REMINDER_MINOR: s.minor_reminder_every_minutes is not None,
            Protection.DISCLOSURE_PERIODIC: s.disclosure_every_minutes is not None,
            Protection.DISCLOSURE_MINOR: s.minor_disclosure_every_minutes is not None,
            Protection.EXIT: s.honour_exit,
            Protection.EXPLICIT_LABEL: s.explicit_label,
            Protection.MINOR_PERSONA: s.minor_refuse_intimate_persona,
            Protection.REFERRAL_COUNT: s.count_referrals,
            Protection.DISCLOSURE_START: s.disclose_at_session_start,
            Protection.HUMAN_ANSWER: s.answer_are_you_human,
            Protection.REDISCLOSURE: s.redisclose_on_dependence,
            Protection.MINORS_SUITABILITY: s.minors_suitability_notice,
            Protection.CRISIS: s.crisis_referral,
            Protection.ESCALATION: s.crisis_escalation,
            Protection.MINOR_SEXUAL: s.minor_block_sexual,
            Protection.IMPLICIT_METADATA: s.implicit_metadata,
        }
        assert set(on) == set(Protection)
        for protection, enabled in on.items():
            assert enabled == (protection in entry.sources), (name, protection)


def test_combining_takes_the_strictest_value() -> None:
    config = companion_config(["us-ny", "cn", "us-ca"])
    s = config.settings
    assert s.reminder_every_minutes == 120  # cn
    assert s.minor_reminder_every_minutes == 180  # us-ca
    assert s.disclosure_every_minutes == 180  # us-ny
    assert s.start_disclosure_min_gap_minutes == 0  # cn/us-ca beat NY's once a day
    assert s.crisis_gates_model  # us-ca gates, us-ny does not
    assert s.honour_exit and s.explicit_label and s.count_referrals
    assert config.default_locale == "en-US"  # the first profile's
    assert config.sources_for(Protection.CRISIS) == ("US-NY-03", "CN-AN-04", "US-CA-02")


def test_combining_one_profile_is_that_profile() -> None:
    assert companion_config(["us-ny"]).settings == builtin_profiles()["us-ny"].settings


def test_continuous_use_gap_takes_the_longest_and_session_gap_the_shortest() -> None:
    a = ProfileSettings(continuous_use_gap_minutes=20, new_session_gap_minutes=20)
    b = ProfileSettings(continuous_use_gap_minutes=45, new_session_gap_minutes=45)
    merged = combine([a, b])
    assert (merged.continuous_use_gap_minutes, merged.new_session_gap_minutes) == (45, 20)


def test_label_placement_is_decided_by_the_labelling_profiles() -> None:
    start = ProfileSettings(explicit_label=True, label_placement=Placement.START)
    end = ProfileSettings(explicit_label=True, label_placement=Placement.END)
    unlabelled = ProfileSettings(label_placement=Placement.END)
    assert combine([start, end]).label_placement is Placement.BOTH
    assert combine([start, unlabelled]).label_placement is Placement.START
    assert combine([end, end]).label_placement is Placement.END


def test_code_sets_are_united() -> None:
    a = ProfileSettings(crisis_codes=("X.crisis",))
    b = ProfileSettings(crisis_codes=("A.4.a/suicide", "X.crisis"))
    assert combine([a, b]).crisis_codes == ("X.crisis", "A.4.a/suicide")


_settings = st.builds(
    ProfileSettings,
    reminder_every_minutes=st.none() | st.integers(1, 600),
    disclosure_every_minutes=st.none() | st.integers(1, 600),
    honour_exit=st.booleans(),
    crisis_gates_model=st.booleans(),
    continuous_use_gap_minutes=st.integers(1, 120),
)


@given(st.lists(_settings, min_size=1, max_size=4))
def test_combination_is_never_weaker_than_any_part(parts: list[ProfileSettings]) -> None:
    merged = combine(parts)
    for part in parts:
        if part.reminder_every_minutes is not None:
            assert merged.reminder_every_minutes is not None
            assert merged.reminder_every_minutes <= part.reminder_every_minutes
        assert merged.honour_exit >= part.honour_exit
        assert merged.crisis_gates_model >= part.crisis_gates_model
        assert merged.continuous_use_gap_minutes >= part.continuous_use_gap_minutes
    assert combine([*parts, merged]) == merged


def test_overrides_apply_after_combining(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="menshen.companion.config"):
        config = companion_config(["cn"], settings={"reminder_every_minutes": 90})
    assert config.settings.reminder_every_minutes == 90
    assert not caplog.records  # stricter than the profile: no warning


def test_a_looser_override_is_allowed_but_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="menshen.companion.config"):
        config = companion_config(["cn"], settings={"reminder_every_minutes": 180})
    assert config.settings.reminder_every_minutes == 180
    assert "reminder_every_minutes" in caplog.text


def test_a_setting_turned_on_by_the_operator_names_the_operator() -> None:
    config = companion_config(["eu"], settings={"honour_exit": True})
    assert config.sources_for(Protection.EXIT) == (OPERATOR,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"profiles": ["cn", "mars"]}, "unknown profile"),
        ({"profiles": []}, "unknown profile"),
        ({"profiles": ["cn"], "settings": {"reminder_every_minutes": 0}}, "reminder_every"),
        ({"profiles": ["cn"], "settings": {"no_such_switch": True}}, "no_such_switch"),
        ({"profiles": ["cn"], "settings": {"crisis_codes": ["X.crisys"]}}, "crisis_codes"),
        ({"profiles": ["cn"], "messages": {"en": {"label": "Generated"}}}, "label"),
        ({"profiles": ["cn"], "messages": {"fr": {"disclosure": "IA"}}}, "fr"),
        ({"profiles": ["cn"], "report_timezone": "Mars/Olympus"}, "report_timezone"),
        ({"profiles": ["cn"], "default_locale": "ja-JP"}, "no hotlines"),
        ({"profiles": ["cn"], "messages": {"en": {"reminder": "{hours}"}}}, "duration"),
    ],
)
def test_bad_configuration_fails_with_the_field_named(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        companion_config(**kwargs)  # type: ignore[arg-type]


def test_an_unlabelled_profile_accepts_any_label_text() -> None:
    config = companion_config(["eu"], messages={"en": {"label": "Generated"}})
    assert config.texts.messages["en"].label == "Generated"


def test_shipped_texts_cover_both_languages_and_three_regions() -> None:
    texts = default_texts()
    assert set(texts.messages) == {"zh", "en"}
    assert set(texts.hotlines) == {"CN", "US", "EU"}


def test_config_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "companion.yaml"
    path.write_text(
        "profiles: [us-ny, eu]\n"
        "default_locale: de-DE\n"
        "settings: {disclosure_every_minutes: 120}\n"
        "messages:\n  en: {exit_ack: Goodbye for now.}\n"
        "hotlines:\n  DE:\n    - {name: Telefonseelsorge, contact: call 0800 111 0 111}\n",
        encoding="utf-8",
    )
    config = load_companion_config(path)
    assert isinstance(config, CompanionConfig)
    assert config.profiles == ("us-ny", "eu")
    assert config.settings.disclosure_every_minutes == 120
    assert config.texts.messages["en"].exit_ack == "Goodbye for now."
    assert config.texts.hotlines_for("de-DE", config.default_locale)[0].name == "Telefonseelsorge"
    assert config.texts.hotlines_for("fr-FR", config.default_locale)[0].contact == "call 112"


def test_config_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "companion.yaml"
    path.write_text("profiles: [cn]\nsettings: {honour_exit: maybe}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"companion\.yaml.*honour_exit"):
        load_companion_config(path)
