import subprocess
import sys

import framework


def test_importing_framework_pulls_in_no_web_database_or_sibling_package():
    code = (
        "import sys, framework, framework.iri, framework.multirater, framework.scoring;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'lti_tool', 'xapi', 'pylti1p3', 'tincan', 'requests'}];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_are_exported():
    for name in framework.__all__:
        assert hasattr(framework, name), name
    lf = framework.load_bundled()["lf-2011"]
    assert (
        framework.resolve("https://x.test", framework.iri_of("https://x.test", lf), {"lf-2011": lf})
        is lf
    )
