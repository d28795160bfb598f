"""Attachments: multipart/mixed parsing and writing, and checks of signed statements."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from dataclasses import dataclass

from xapi.lrs import jsonio, shape
from xapi.lrs.errors import BadRequest
from xapi.lrs.validate import SIGNATURE_USAGE

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)


@dataclass
class Part:
    """One part of a multipart body."""

    headers: dict[str, str]
    body: bytes


def parse_multipart(content_type: str, body: bytes) -> list[Part]:
    """Split a multipart/mixed body into parts; raise BadRequest when it is malformed."""
    match = _BOUNDARY.search(content_type)
    if not match:
        raise BadRequest("Content-Type: a multipart/mixed request needs a boundary parameter.")
    delimiter = b"--" + match.group(1).encode()
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise BadRequest("The multipart/mixed body is not closed by its boundary.")
    # RFC 2046 asks for CRLF; a body whose first delimiter line ends in a bare LF is read with LF.
    eol = b"\n" if chunks[1].startswith(b"\n") else b"\r\n"
    parts = []
    for chunk in chunks[1:-1]:
        chunk = chunk.removeprefix(eol)
        head, sep, content = chunk.partition(eol + eol)
        if not sep:
            raise BadRequest("A multipart/mixed part has no blank line after its headers.")
        headers = {}
        for line in head.decode("latin-1").split(eol.decode()):
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        parts.append(Part(headers, content.removesuffix(eol)))
    return parts


def split_request(content_type: str, body: bytes) -> tuple[bytes, dict[str, tuple[str, bytes]]]:
    """Return the statement JSON and the attachments by SHA-2 of a multipart/mixed request."""
    parts = parse_multipart(content_type, body)
    first = parts[0]
    if not first.headers.get("content-type", "").startswith("application/json"):
        raise BadRequest("The first part of a multipart/mixed request must be application/json.")
    found: dict[str, tuple[str, bytes]] = {}
    for i, part in enumerate(parts[1:], start=1):
        digest = part.headers.get("x-experience-api-hash")
        if not digest:
            raise BadRequest(f"Attachment part {i} has no X-Experience-API-Hash header.")
        if part.headers.get("content-transfer-encoding", "binary").lower() != "binary":
            raise BadRequest(f"Attachment part {i} must use Content-Transfer-Encoding: binary.")
        found[digest.lower()] = (
            part.headers.get("content-type", "application/octet-stream"),
            part.body,
        )
    return first.body, found


def build_multipart(
    document: bytes, attachments: list[tuple[str, str, bytes]]
) -> tuple[str, bytes]:
    """Return the Content-Type and body of a multipart/mixed response."""
    boundary = uuid.uuid4().hex
    out = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), document, b"\r\n"]
    for sha2, content_type, content in attachments:
        out.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: "
            f"binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        out += [content, b"\r\n"]
    out.append(f"--{boundary}--\r\n".encode())
    # A hex boundary is a valid token, so it is sent unquoted: some clients do not unquote it.
    return f"multipart/mixed; boundary={boundary}", b"".join(out)


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def check_signature(statement: dict, jws: bytes, path: str) -> None:
    """Check a signature attachment: an RS256/384/512 JWS whose payload is this statement."""
    try:
        header_b64, payload_b64, signature_b64 = jws.decode("ascii").strip().split(".")
        header = jsonio.loads(_b64(header_b64))
        payload = jsonio.loads(_b64(payload_b64))
        _b64(signature_b64)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(
            f"{path}: the signature is not a JWS in compact serialization.", field=path
        ) from None
    if header.get("alg") not in {"RS256", "RS384", "RS512"}:
        raise BadRequest(f"{path}: the signature must use RS256, RS384 or RS512.", field=path)
    if not isinstance(payload, dict):
        raise BadRequest(f"{path}: the signature payload must be a statement.", field=path)
    original = {k: v for k, v in statement.items() if k != "attachments"}
    signed = {k: v for k, v in payload.items() if k != "attachments"}
    if "id" in signed and signed["id"].lower() != str(statement.get("id", "")).lower():
        raise BadRequest(f"{path}: the signed statement has another id.", field=path)
    if not shape.equivalent(signed, original):
        raise BadRequest(f"{path}: the signature payload does not match the statement.", field=path)
    if "x5c" in header:
        _verify_x5c(header, jws.decode("ascii").strip(), path)


def _verify_x5c(header: dict, token: str, path: str) -> None:
    import jwt
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        jwt.api_jws.PyJWS().decode(token, cert.public_key(), algorithms=[header["alg"]])
    except Exception:  # noqa: BLE001 - any failure is a bad signature
        raise BadRequest(
            f"{path}: the signature does not verify with its x5c certificate.", field=path
        ) from None


def check_attachments(
    statements: list[dict], parts: dict[str, tuple[str, bytes]], *, require_parts: bool = True
) -> None:
    """Check each attachment without fileUrl has its part, parts match, signatures hold."""
    wanted: set[str] = set()
    for i, statement in enumerate(statements):
        for j, item in enumerate(statement.get("attachments", [])):
            path = f"statement[{i}].attachments[{j}]"
            sha2 = item["sha2"].lower()
            if sha2 in parts:
                content = parts[sha2][1]
                if hashlib.new(_algorithm(sha2), content).hexdigest() != sha2:
                    raise BadRequest(
                        f"{path}.sha2: does not match the attachment's content.",
                        field=f"{path}.sha2",
                    )
                if item["usageType"] == SIGNATURE_USAGE:
                    check_signature(statement, content, path)
            elif "fileUrl" not in item and require_parts:
                raise BadRequest(
                    f"{path}: no multipart part carries this attachment and it has no fileUrl.",
                    field=path,
                )
            wanted.add(sha2)
    extra = set(parts) - wanted
    if extra:
        raise BadRequest(
            f"The attachment part with hash {sorted(extra)[0]} belongs to no statement."
        )


def _algorithm(sha2: str) -> str:
    return {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}.get(len(sha2), "sha256")
