"""The tool's RSA key pairs: created when missing (mode 0600), loaded once, served as a JWKS."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, current_app
from jwt.algorithms import RSAAlgorithm

from lti_tool.db import private_dir

EXTENSION_KEY = "leadpath.keys"


@dataclass(frozen=True)
class KeyPair:
    """A loaded RSA key pair with its key id and public JWK."""

    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict

    @property
    def private_pem(self) -> str:
        """Return the private key as PEM text (for libraries that want PEM)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()


def _thumbprint(jwk: dict) -> str:
    """Return the RFC 7638 thumbprint of an RSA JWK, used as its key id."""
    import base64
    import hashlib

    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def write_private_file(path: Path, data: bytes) -> bool:
    """Write a mode-0600 file atomically unless it exists; False if another process won.

    Its directory is made 0700 (the data directory, or its keys directory).
    """
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    try:
        os.link(tmp, path)  # atomic, and fails if the file already exists
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)


def ensure_private_key(path: Path) -> bool:
    """Create a 2048-bit RSA private key at path (mode 0600) unless one exists; True if created."""
    if path.exists():
        return False
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if not write_private_file(path, pem):
        return False
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path.with_suffix(".pub.pem").write_bytes(public)
    return True


def load_key_pair(path: Path) -> KeyPair:
    """Load a private key file and derive its public JWK and key id."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    kid = _thumbprint(jwk)
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return KeyPair(kid=kid, private_key=key, public_jwk=jwk)


class ToolKeys:
    """The tool's active signing key plus older keys still published for verification."""

    def __init__(self, keys_dir: Path):
        self.keys_dir = keys_dir
        self.reload()

    def reload(self) -> None:
        """Read every tool key from disk; the newest file is the active signing key."""
        files = sorted(self.keys_dir.glob("tool-*.pem"))
        files = [f for f in files if not f.name.endswith(".pub.pem")]
        if not files:
            raise FileNotFoundError(f"no tool key in {self.keys_dir}; run `leadpath keys ensure`")
        self.pairs = [load_key_pair(f) for f in files]
        self.active = self.pairs[-1]

    def jwks(self) -> dict:
        """Return the public JWKS (public parts only)."""
        return {"keys": [p.public_jwk for p in reversed(self.pairs)]}


def ensure_tool_key(keys_dir: Path) -> bool:
    """Create the first tool key pair if there is none; True if one was created."""
    private_dir(keys_dir.parent)
    private_dir(keys_dir)
    existing = [f for f in keys_dir.glob("tool-*.pem") if not f.name.endswith(".pub.pem")]
    if existing:
        return False
    return ensure_private_key(keys_dir / "tool-0001.pem")


def rotate_tool_key(keys_dir: Path, keep: int = 2) -> Path:
    """Add a new active tool key, keeping the previous `keep - 1` keys published."""
    ensure_tool_key(keys_dir)
    files = sorted(f for f in keys_dir.glob("tool-*.pem") if not f.name.endswith(".pub.pem"))
    number = int(files[-1].stem.split("-")[1]) + 1
    path = keys_dir / f"tool-{number:04d}.pem"
    ensure_private_key(path)
    files.append(path)
    for old in files[:-keep]:
        old.unlink()
        old.with_suffix(".pub.pem").unlink(missing_ok=True)
    return path


def init_app(app: Flask) -> ToolKeys:
    """Create the tool key if missing and attach the loaded keys to the app."""
    keys_dir = app.config["LEADPATH"].keys_dir
    ensure_tool_key(keys_dir)
    keys = ToolKeys(keys_dir)
    app.extensions[EXTENSION_KEY] = keys
    return keys


def get_keys() -> ToolKeys:
    """Return the current app's ToolKeys."""
    return current_app.extensions[EXTENSION_KEY]
