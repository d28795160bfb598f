"""Grades worked by hand; the same examples are in framework/SCORING.md#grades."""

import pytest

from framework.grades import COMPLETION, PHASE, STAGE, grade, graded_elements, in_scope_domains
from framework.loader import bundled
from framework.scoring import score_assessment

WWO = "working-with-others"
MS = "managing-services"


@pytest.fixture(scope="module")
def lf():
    return bundled("lf-2011")


# Worked example (SCORING.md): an F1 doctor assessed on Working with Others and Managing
# Services. F1 expects stage 2 in Working with Others and stage 1 in Managing Services.
EXAMPLE = {
    "working-with-others/developing-networks": 3,
    "working-with-others/building-and-maintaining-relationships": 2,
    "working-with-others/encouraging-contribution": 1,
    "working-with-others/working-within-teams": 2,
    "managing-services/planning": 1,
    "managing-services/managing-resources": 0,
    "managing-services/managing-people": 2,
    # managing-services/managing-performance: not assessed
}


def test_phase_grade_is_the_share_of_elements_meeting_the_expectation(lf):
    scores = score_assessment(lf, {}, EXAMPLE)
    result = grade(lf, scores, PHASE, phase="f1", domains=[WWO, MS])
    # WWO (expects 2): 3, 2 meet; 1 does not; 2 meets -> 3 of 4
    # MS (expects 1): 1 meets, 0 does not, 2 meets, not assessed does not -> 2 of 4
    # 5 of 8 = 0.625
    assert (result.mode, result.numerator, result.denominator, result.score) == (PHASE, 5, 8, 0.625)
    assert result.note == (
        "5 of 8 elements meet or exceed the stage expected at this career phase."
    )


def test_a_student_meeting_every_expectation_scores_full_marks(lf):
    everything_at_one = {e.path: 1 for e in lf.elements()}
    scores = score_assessment(lf, {}, everything_at_one)
    result = grade(lf, scores, phase="medical-student")
    assert (result.score, result.numerator, result.denominator) == (1.0, 20, 20)
    # the same answers graded by stage: 20 steps of the 80 available in the core domains
    assert grade(lf, scores, STAGE, phase="medical-student").score == 0.25


def test_stage_grade_counts_stage_steps_attained(lf):
    scores = score_assessment(lf, {}, EXAMPLE)
    result = grade(lf, scores, STAGE, domains=[WWO, MS])
    # 3 + 2 + 1 + 2 + 1 + 0 + 2 + 0 (not assessed) = 11 of 8 * 4 = 32 -> 0.34375 -> 0.3438
    assert (result.numerator, result.denominator, result.score) == (11, 32, 0.3438)


def test_completion_grade_counts_answered_elements(lf):
    scores = score_assessment(lf, {}, EXAMPLE)
    result = grade(lf, scores, COMPLETION, domains=[WWO, MS])
    assert (result.numerator, result.denominator, result.score) == (7, 8, 0.875)


def test_not_applicable_elements_leave_phase_and_stage_grades_but_count_as_answered(lf):
    performance = lf.element("managing-services/managing-performance")
    answers = {i.id: "not-applicable" for i in performance.indicators}
    scores = score_assessment(lf, answers, EXAMPLE)
    assert scores[performance.path].not_applicable
    # phase: 5 of 7 (the not applicable element is no longer counted as not meeting)
    phase = grade(lf, scores, PHASE, phase="f1", domains=[WWO, MS])
    assert (phase.numerator, phase.denominator) == (5, 7)
    stage = grade(lf, scores, STAGE, domains=[WWO, MS])
    assert (stage.numerator, stage.denominator) == (11, 28)
    completion = grade(lf, scores, COMPLETION, domains=[WWO, MS])
    assert (completion.numerator, completion.denominator) == (8, 8)


def test_phase_grade_without_a_phase_falls_back_to_stage_and_says_so(lf):
    scores = score_assessment(lf, {}, EXAMPLE)
    result = grade(lf, scores, domains=[WWO, MS])
    assert (result.mode, result.requested, result.score) == (STAGE, PHASE, 0.3438)
    assert "(graded by stage: no career phase)" in result.note


def test_phase_grade_for_the_hlm_falls_back_because_its_levels_are_not_tied_to_roles():
    hlm = bundled("hlm-2013")
    scores = score_assessment(hlm, {}, {e.path: 2 for e in hlm.elements() if e.indicators})
    result = grade(hlm, scores, PHASE, phase="f2")
    assert result.mode == STAGE and "no expectation in these domains" in result.note
    # nine rated dimensions at level 2 of 4; the personal qualities are never graded
    assert (result.numerator, result.denominator, result.score) == (18, 36, 0.5)


def test_senior_domains_are_not_graded_where_the_phase_does_not_expect_them(lf):
    top = score_assessment(lf, {}, {e.path: 4 for e in lf.elements()})
    assert grade(lf, top, PHASE, phase="higher-specialty-training").denominator == 20
    assert grade(lf, top, PHASE, phase="clinical-lead").denominator == 28
    listed = grade(lf, top, STAGE, domains=[WWO, "creating-the-vision"])
    assert listed.denominator == 8 * 4  # an activity may still ask for a senior domain


def test_curriculum_phase_grade_uses_its_own_levels():
    ukfp = bundled("ukfp-2021")
    elements = [e.path for e in ukfp.elements()]
    scores = score_assessment(ukfp, {}, dict(zip(elements, [2, 1, 1, 0], strict=True)))
    assert grade(ukfp, scores, phase="f1").score == 0.75  # f1 = level 1: 3 of 4
    assert grade(ukfp, scores, phase="f2").score == 0.25  # f2 = level 2: 1 of 4


def test_in_scope_domains_and_graded_elements(lf):
    assert WWO in in_scope_domains(lf, "f1")
    assert "creating-the-vision" not in in_scope_domains(lf, "f1")
    assert "creating-the-vision" in in_scope_domains(lf, "senior-leader")
    hlm = bundled("hlm-2013")
    assert "personal-qualities" in in_scope_domains(hlm)
    assert all(e.domain_id != "personal-qualities" for e in graded_elements(hlm))
    with pytest.raises(KeyError):
        graded_elements(lf, ["cooking"])


def test_unknown_grade_mode_is_refused(lf):
    with pytest.raises(ValueError, match="unknown grade mode 'mean'; use one of phase, stage"):
        grade(lf, {}, "mean")


def test_nothing_to_grade_gives_no_score(lf):
    result = grade(lf, {}, STAGE, domains=[])
    assert (result.score, result.denominator) == (None, 0)
