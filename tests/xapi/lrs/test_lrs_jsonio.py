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


def test_an_escaped_lone_surrogate_is_refused_since_no_database_can_store_it():
    with pytest.raises(jsonio.Refused, match="lone surrogate"):
        jsonio.loads(b'"\\ud800"')


def test_an_escaped_surrogate_pair_is_one_character():
    assert jsonio.loads(b'"\\ud83d\\ude00"') == "\U0001f600"


def test_json_nested_more_than_the_limit_is_refused_and_at_the_limit_read():
    assert jsonio.loads(b"[" * 64 + b"]" * 64) is not None
    for text in (b"[" * 65 + b"]" * 65, b"[" * 100_000, b'{"a":' * 2_000 + b"1" + b"}" * 2_000):
        with pytest.raises(jsonio.Refused, match="nested more than 64 levels"):
            jsonio.loads(text)
