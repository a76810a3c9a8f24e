"""Throwaway CSRs for tests and demos (``POST /_sandbox/csr``), so no test needs openssl.

One RSA-2048 key per sandbox process signs every CSR (generating keys is the slow part); the key
never leaves the sandbox. Not a provider endpoint.
"""

import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

_lock = threading.Lock()
_key = None


def _signing_key():
    global _key
    with _lock:
        if _key is None:
            _key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _key


def make_csr(common_name, sans=(), email=None, organization=None):
    """A PEM CSR for ``common_name`` (plus DNS ``sans``), signed by the process's key."""
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
    names = [common_name] + [s for s in sans if s != common_name]
    builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    csr = builder.sign(_signing_key(), hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")
