"""A self-signed TLS identity for the simulated lab's HTTPS listeners.

`self_signed_context(dir)` creates (once) a certificate and key for 127.0.0.1/localhost in `dir`
and returns a server-side SSLContext; the lab supervisor builds one per lab and shares it between
all simulated FortiGates. Clients are expected not to verify it (ansible_httpapi_validate_certs:
false), like a factory-default FortiGate. This module must not bind sockets or be used for
anything but the lab.
"""
from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CERT_FILE = "lab-cert.pem"
KEY_FILE = "lab-key.pem"


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    # Write-then-rename so a crash never leaves a half-written key that a later run would load.
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.rename(tmp, path)


def _generate(cert_path: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "netops lab")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _atomic_write(key_path, key_pem, 0o600)
    _atomic_write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def self_signed_context(dir: Path) -> ssl.SSLContext:
    """Return a server SSLContext for 127.0.0.1/localhost, generating the cert into `dir` if absent."""
    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = dir / CERT_FILE, dir / KEY_FILE
    if not (cert_path.exists() and key_path.exists()):
        _generate(cert_path, key_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context
