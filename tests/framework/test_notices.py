from framework.loader import bundled
from framework.notices import defines_own_content, framework_notices, general_notices

BODIES = [
    "NHS Leadership Academy",
    "Academy of Medical Royal Colleges",
    "General Medical Council",
    "UK Foundation Programme",
]


def test_independence_statement_names_every_body_leadpath_is_not_endorsed_by():
    text = general_notices().independence
    assert "not produced, reviewed or endorsed" in text
    for body in BODIES:
        assert body in text


def test_lf_notices_lead_with_its_superseded_status():
    lf = bundled("lf-2011")
    shown = framework_notices(lf)
    assert shown[0] == lf.status_note
    assert lf.attribution in shown and lf.licence_note in shown
    assert general_notices().leadpath_defined in shown  # its senior-domain stages are leadpath's
    assert shown[-1] == general_notices().independence


def test_a_framework_defining_nothing_of_leadpaths_gets_no_such_notice():
    ukfp = bundled("ukfp-2021")
    assert not defines_own_content(ukfp)
    assert general_notices().leadpath_defined not in framework_notices(ukfp)
    assert defines_own_content(bundled("gmc-ofg-2018"))


def test_indicative_crosswalk_notice_says_the_mapping_is_not_endorsed():
    assert "not reviewed or endorsed" in general_notices().indicative_crosswalk
