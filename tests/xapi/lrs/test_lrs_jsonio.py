"""Statement JSON is read and written exactly, whichever parser does the work."""

import pytest

from xapi.lrs import jsonio


def test_integers_beyond_64_bits_keep_every_digit():
    text = b'{"extensions": {"https://x.example/n": 123456789012345678901234567890}}'
    value = jsonio.loads(text)
    assert value["extensions"]["https://x.example/n"] == 123456789012345678901234567890
    assert jsonio.dumps(value) == text.decode().replace(": ", ":")


@pytest.mark.parametrize("text", [b'{"a": NaN}', b'{"a": Infinity}', b"[-Infinity]", b"{oops"])
def test_text_that_is_not_json_is_refused(text):
    with pytest.raises(ValueError):
        jsonio.loads(text)


def test_non_ascii_text_is_written_as_characters_not_escapes():
    assert jsonio.dumps({"name": "Siân Ó Briain"}) == '{"name":"Siân Ó Briain"}'
    assert jsonio.loads('{"name":"Siân"}'.encode()) == {"name": "Siân"}


def test_an_escaped_lone_surrogate_is_read_as_the_standard_library_reads_it():
    assert jsonio.loads(b'"\\ud800"') == "\ud800"
