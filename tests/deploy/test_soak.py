"""100 seconds of bench/soak.py: steady use while an app instance is killed and the external LRS
restarts — nothing lost, nothing stored twice, no server error but while an instance is down.
Statements, 360 rater answers and their invitation mails, supervisor sign-offs and grades are
each compared on both sides.

The 30-minute run and its figures are in bench/RESULTS.md; this run shortens the fault intervals
(an external LRS restart every 30 s, an app instance killed every 40 s) so each fault happens
at least once while the app is in use.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def _soak_module():
    spec = importlib.util.spec_from_file_location("leadpath_soak", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_steady_use_with_kills_and_restarts_loses_and_doubles_nothing(db_kind, tmp_path):
    results = _soak_module().soak(
        tmp_path, database=db_kind, seconds=100, kill_every=40, restart_every=30
    )
    kinds = [what.split(" (")[0] for _, what in results["events"]]
    assert kinds.count("restarting the external LRS") >= 2
    assert {"killing app instance 0", "killing app instance 1"} <= set(kinds)
    assert results["outbox_drained"], "the forwarders did not deliver everything"
    assert results["self_assessments_completed"] > 0 and results["lrs_queries"] > 0
    assert results["statements_queued_by_the_app"] > 0
    assert results["missing_from_embedded_lrs"] == 0
    assert results["missing_from_external_lrs"] == 0
    assert results["dead_letters"] == 0
    assert results["lrs_client_statements_stored"] > 0
    assert results["lrs_client_statements_missing"] == 0
    assert results["failures_otherwise_count"] == 0, (
        results["failures_otherwise"],
        results["errors_logged_by_the_app"],
    )
    assert results["journeys_restarted_on_an_unexpected_answer"] == {}
    _assert_360s(results)
    _assert_validations(results)
    _assert_grades(results)


def _none_of(results: dict, *keys: str) -> None:
    assert {k: results[k] for k in keys} == dict.fromkeys(keys, 0)


def _assert_360s(results: dict) -> None:
    assert results["invitations_confirmed"] > 0 and results["rater_answers_confirmed"] > 0
    assert results["feedback_summary_statements"] > 0
    _none_of(
        results,
        "invitation_mails_missing",
        "invitation_mails_doubled",
        "invitation_mails_dead",
        "rater_answers_missing",
        "rater_answers_confirmed_twice",
        "feedback_summaries_not_matching_answers",
    )


def _assert_validations(results: dict) -> None:
    assert results["validations_signed_off"] > 0
    assert results["validations_stored"] >= results["validations_signed_off"]
    _none_of(
        results,
        "validations_confirmed_twice",
        "validations_missing",
        "verified_statements_not_once",
        "verified_missing_from_embedded_lrs",
        "verified_missing_from_external_lrs",
    )


def _assert_grades(results: dict) -> None:
    assert results["grades_queued"] >= results["self_assessments_completed"] > 0
    assert results["grades_received"] == results["grades_queued"]
    assert results["gradebook_refusals"] == []
    _none_of(
        results,
        "grades_not_sent",
        "grades_dead",
        "grades_missing",
        "grades_received_twice",
        "grades_not_queued",
        "completions_without_one_grade",
    )
