import base64
import datetime
import hashlib
import json

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from tests.support.keys import rsa_key
from xapi.lrs import attachments as att
from xapi.lrs.errors import BadRequest

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


def multipart(statement_json: bytes, parts: list[tuple[str, bytes]], boundary="b0undary"):
    out = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        statement_json,
        b"\r\n",
    ]
    for content_type, content in parts:
        digest = hashlib.sha256(content).hexdigest()
        out += [
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: "
            f"binary\r\nX-Experience-API-Hash: {digest}\r\n\r\n".encode(),
            content,
            b"\r\n",
        ]
    out.append(f"--{boundary}--\r\n".encode())
    return f'multipart/mixed; boundary="{boundary}"', b"".join(out)


def attachment(content: bytes, usage="https://example.org/usage/report", content_type="text/plain"):
    return {
        "usageType": usage,
        "display": {"en": "file"},
        "contentType": content_type,
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
    }


@pytest.fixture(scope="module")
def signer():
    key = rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leadpath test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return key, x5c


def sign(statement: dict, key, x5c: str | None = None, alg="RS256") -> bytes:
    headers = {"x5c": [x5c]} if x5c else None
    return (
        jwt.api_jws.PyJWS()
        .encode(json.dumps(statement).encode(), key, algorithm=alg, headers=headers)
        .encode()
    )


def test_a_statement_with_an_attachment_part_is_stored_and_served_back(
    client, headers, make_statement
):
    content = b"360 feedback report"
    statement = make_statement(attachments=[attachment(content)])
    content_type, body = multipart(json.dumps(statement).encode(), [("text/plain", content)])
    response = client.post(
        "/xapi/statements", data=body, content_type=content_type, headers=headers
    )
    assert response.status_code == 200, response.json
    (sid,) = response.json
    got = client.get(
        "/xapi/statements",
        query_string={"statementId": sid, "attachments": "true"},
        headers=headers,
    )
    assert got.content_type.startswith("multipart/mixed")
    parts = att.parse_multipart(got.content_type, got.data)
    assert len(parts) == 2
    assert json.loads(parts[0].body)["id"] == sid
    assert parts[1].body == content
    assert parts[1].headers["x-experience-api-hash"] == hashlib.sha256(content).hexdigest()


def test_parts_are_served_in_the_order_the_statement_lists_its_attachments(
    client, headers, make_statement, unique
):
    contents = [f"part {n} of {unique}".encode() for n in range(6)]
    statement = make_statement(attachments=[attachment(c) for c in contents])
    content_type, body = multipart(
        json.dumps(statement).encode(), [("text/plain", c) for c in reversed(contents)]
    )
    response = client.post(
        "/xapi/statements", data=body, content_type=content_type, headers=headers
    )
    assert response.status_code == 200, response.json
    got = client.get(
        "/xapi/statements",
        query_string={"statementId": response.json[0], "attachments": "true"},
        headers=headers,
    )
    parts = att.parse_multipart(got.content_type, got.data)
    assert [p.body for p in parts[1:]] == contents


def test_a_multipart_answer_names_its_boundary_unquoted(client, headers, make_statement):
    # Some clients take the boundary parameter literally, quotes included.
    got = client.get("/xapi/statements", query_string={"attachments": "true"}, headers=headers)
    assert got.status_code == 200
    kind, param = got.headers["Content-Type"].split(";")
    boundary = param.strip().removeprefix("boundary=")
    assert kind == "multipart/mixed" and '"' not in boundary
    assert got.data.startswith(f"--{boundary}\r\n".encode())


def test_an_attachment_without_part_or_file_url_is_refused(client, headers, make_statement):
    statement = make_statement(attachments=[attachment(b"missing")])
    response = client.post("/xapi/statements", json=statement, headers=headers)
    assert response.status_code == 400 and "attachments[0]" in response.json["message"]


def test_a_file_url_attachment_needs_no_part(client, headers, make_statement):
    item = dict(attachment(b"remote"), fileUrl="https://files.example.org/r.pdf")
    response = client.post(
        "/xapi/statements", json=make_statement(attachments=[item]), headers=headers
    )
    assert response.status_code == 200, response.json
    got = client.get(
        "/xapi/statements", query_string={"statementId": response.json[0]}, headers=headers
    )
    assert got.json["attachments"] == [item]


def test_a_part_belonging_to_no_statement_is_refused(client, headers, make_statement):
    content_type, body = multipart(
        json.dumps(make_statement()).encode(), [("text/plain", b"stray")]
    )
    response = client.post(
        "/xapi/statements", data=body, content_type=content_type, headers=headers
    )
    assert response.status_code == 400 and "belongs to no statement" in response.json["message"]


def test_a_multipart_body_with_bare_lf_line_ends_is_accepted(client, headers, make_statement):
    content = b"here is a simple attachment"
    statement = make_statement(attachments=[attachment(content)])
    content_type, body = multipart(json.dumps(statement).encode(), [("text/plain", content)])
    body = body.replace(b"\r\n", b"\n")
    response = client.post(
        "/xapi/statements", data=body, content_type=content_type, headers=headers
    )
    assert response.status_code == 200, response.json
    got = client.get(
        "/xapi/statements",
        query_string={"statementId": response.json[0], "attachments": "true"},
        headers=headers,
    )
    assert att.parse_multipart(got.content_type, got.data)[1].body == content


def test_the_first_part_must_be_json():
    content_type, body = multipart(b"{}", [])
    body = body.replace(b"application/json", b"text/plain")
    with pytest.raises(BadRequest, match="first part"):
        att.split_request(content_type, body)


def test_a_body_without_closing_boundary_is_refused():
    with pytest.raises(BadRequest, match="not closed"):
        att.parse_multipart('multipart/mixed; boundary="x"', b"--x\r\n\r\n{}\r\n")


def test_a_signed_statement_with_a_valid_jws_is_accepted(client, headers, make_statement, signer):
    key, x5c = signer
    statement = make_statement()
    jws = sign(statement, key, x5c)
    statement["attachments"] = [attachment(jws, SIGNATURE, "application/octet-stream")]
    content_type, body = multipart(
        json.dumps(statement).encode(), [("application/octet-stream", jws)]
    )
    response = client.post(
        "/xapi/statements", data=body, content_type=content_type, headers=headers
    )
    assert response.status_code == 200, response.json
    got = client.get(
        "/xapi/statements",
        query_string={"statementId": response.json[0], "attachments": "true"},
        headers=headers,
    )
    stored, *parts = att.parse_multipart(got.content_type, got.data)
    assert json.loads(stored.body)["attachments"][0]["usageType"] == SIGNATURE
    assert [part.body for part in parts] == [jws]


@pytest.mark.parametrize("problem", ["payload", "alg", "garbage", "wrong_cert"])
def test_bad_signatures_are_refused(client, headers, make_statement, signer, problem):
    key, x5c = signer
    statement = make_statement()
    if problem == "payload":
        jws = sign(make_statement(verb="completed"), key)
    elif problem == "alg":
        jws = (
            jwt.api_jws.PyJWS()
            .encode(json.dumps(statement).encode(), "s" * 48, algorithm="HS256")
            .encode()
        )
    elif problem == "garbage":
        jws = b"not a jws"
    else:
        other = rsa_key()
        jws = sign(statement, other, x5c)
    statement["attachments"] = [attachment(jws, SIGNATURE, "application/octet-stream")]
    content_type, body = multipart(
        json.dumps(statement).encode(), [("application/octet-stream", jws)]
    )
    response = client.post(
        "/xapi/statements", data=body, content_type=content_type, headers=headers
    )
    assert response.status_code == 400 and "signature" in response.json["message"]


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize(
    "signed,sent,accepted",
    [
        ("PT0.12S", "PT0.1237S", True),
        ("PT0.1237S", "PT0.12S", True),
        ("PT1S", "PT1.009S", True),
        ("PT0.12S", "PT0.13S", False),
    ],
)
def test_signed_durations_compare_to_the_hundredth_of_a_second(
    client, headers_for, make_statement, signer, version, signed, sent, accepted
):
    """Data 4.6 (2.0: 4.2.7): precision beyond 0.01 s is not part of the comparison."""
    key, x5c = signer
    statement = make_statement(result={"duration": signed})
    jws = sign(statement, key, x5c)
    statement["result"]["duration"] = sent
    statement["attachments"] = [attachment(jws, SIGNATURE, "application/octet-stream")]
    content_type, body = multipart(
        json.dumps(statement).encode(), [("application/octet-stream", jws)]
    )
    response = client.post(
        "/xapi/statements",
        data=body,
        content_type=content_type,
        headers=headers_for("all", version=version),
    )
    if accepted:
        assert response.status_code == 200, response.json
    else:
        assert response.status_code == 400 and "signature" in response.json["message"]
