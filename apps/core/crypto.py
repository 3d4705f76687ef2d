"""Personal data at rest (issue 17, 个人信息保护法 Art. 28/51): authenticated encryption of ID and
mobile numbers, and a keyed blind index for lookups and unique constraints.

Stored form of an encrypted value: ``enc1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``. The cipher
is SM4-GCM (GB/T 32907, 国密) by default, AES-256-GCM when ``PII_CIPHER = "aes256gcm"``; a random
12-byte nonce per value. Keys come from the environment only (``PII_KEYS``: ``k2:<base64>,k1:<base64>``,
the first one encrypts, every one decrypts; ``PII_INDEX_KEY`` for the index), see docs/security.md.

The blind index is HMAC-SM3 (``PII_INDEX_HASH = "hmac-sha256"`` selectable) of the normalised
number under its own key, so equal numbers compare equal without the database ever seeing one.
"""

import base64
import hashlib
import hmac as std_hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1:"
NONCE_BYTES = 12
TAG_BYTES = 16
MISSING_KEYS = ("PII_KEYS is not set: personal data (ID and mobile numbers) cannot be encrypted. Set "
                "PII_KEYS=<id>:<base64 key>[,<older id>:<base64 key>…] and PII_INDEX_KEY=<base64 key> in the "
                "environment (docs/security.md); only DEBUG=true derives a development key.")


class PiiKeyError(ImproperlyConfigured):
    pass


def _dev_key(label: str, size: int) -> bytes:
    # DEBUG only (make demo, a developer's machine): derived from SECRET_KEY, never for production.
    return hashlib.sha256(f"ecp-dev-pii:{label}:{settings.SECRET_KEY}".encode()).digest()[:size]


def _cipher_name() -> str:
    name = getattr(settings, "PII_CIPHER", "sm4gcm").lower()
    if name not in ("sm4gcm", "aes256gcm"):
        raise PiiKeyError(f"PII_CIPHER must be sm4gcm or aes256gcm, not {name!r}")
    return name


def _key_size() -> int:
    return 16 if _cipher_name() == "sm4gcm" else 32


@lru_cache(maxsize=8)
def _parse_keys(raw: str, size: int, debug: bool) -> tuple[tuple[str, bytes], ...]:
    keys = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        kid, sep, b64 = part.partition(":")
        if not sep or not kid.isalnum():
            raise PiiKeyError("PII_KEYS entries are <id>:<base64 key> with an alphanumeric id")
        try:
            key = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise PiiKeyError(f"PII_KEYS key {kid}: not base64") from exc
        if len(key) != size:
            raise PiiKeyError(f"PII_KEYS key {kid}: {len(key)} bytes, the cipher needs {size}")
        keys.append((kid, key))
    if not keys:
        if not debug:
            raise PiiKeyError(MISSING_KEYS)
        keys.append(("dev", _dev_key("enc", size)))
    return tuple(keys)


def keys() -> tuple[tuple[str, bytes], ...]:
    """(id, key) pairs, newest first."""
    return _parse_keys(getattr(settings, "PII_KEYS", "") or "", _key_size(), bool(settings.DEBUG))


def current_key_id() -> str:
    return keys()[0][0]


def index_key() -> bytes:
    raw = getattr(settings, "PII_INDEX_KEY", "") or ""
    if raw:
        return base64.b64decode(raw)
    if not settings.DEBUG:
        raise PiiKeyError(MISSING_KEYS.replace("PII_KEYS is not set", "PII_INDEX_KEY is not set"))
    return _dev_key("index", 32)


def configuration_errors() -> list[str]:
    """Messages for the start-up check: empty when keys are usable."""
    try:
        keys()
        index_key()
        encrypt("selftest")
    except Exception as exc:  # noqa: BLE001 - any reason is reported verbatim at start-up
        return [str(exc)]
    return []


def _algorithm(key: bytes):
    return algorithms.SM4(key) if _cipher_name() == "sm4gcm" else algorithms.AES(key)


def is_encrypted(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


def key_id_of(stored: str) -> str:
    return stored[len(PREFIX):].split(":", 1)[0] if is_encrypted(stored) else ""


@lru_cache(maxsize=8)
def _current_algorithm(raw: str, cipher: str, debug: bool) -> tuple[str, object]:
    # The newest key as a ready algorithm object, per configuration: an import encrypts four
    # values per row, and parsing the keys and building the algorithm each time was a third of it.
    kid, key = keys()[0]
    return kid, _algorithm(key)


def encrypt(clear: str) -> str:
    kid, algorithm = _current_algorithm(getattr(settings, "PII_KEYS", "") or "", _cipher_name(), bool(settings.DEBUG))
    nonce = os.urandom(NONCE_BYTES)
    enc = Cipher(algorithm, modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(kid.encode())
    body = enc.update(clear.encode()) + enc.finalize()
    return f"{PREFIX}{kid}:{base64.b64encode(nonce + body + enc.tag).decode()}"


def decrypt(stored: str) -> str:
    """The clear value; a value stored before encryption (no prefix) is returned unchanged, so the
    migration that encrypts in place can read it."""
    if not is_encrypted(stored):
        return stored
    kid, _, b64 = stored[len(PREFIX):].partition(":")
    key = dict(keys()).get(kid)
    if key is None:
        raise PiiKeyError(f"personal data encrypted under key {kid!r}, which PII_KEYS does not hold")
    raw = base64.b64decode(b64)
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    dec = Cipher(_algorithm(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(kid.encode())
    try:
        return (dec.update(body) + dec.finalize()).decode()
    except InvalidTag as exc:
        raise PiiKeyError(f"personal data under key {kid!r} fails authentication (wrong key or altered)") from exc


@lru_cache(maxsize=8)
def _keyed_mac(algorithm: str, raw: str, debug: bool, secret: str):
    """A keyed HMAC, never updated, to copy per value: the key is decoded and set up once per
    configuration instead of for each of the three hashes an imported row needs."""
    if algorithm == "hmac-sha256":
        return std_hmac.new(index_key(), digestmod=hashlib.sha256)
    if algorithm != "hmac-sm3":
        raise PiiKeyError(f"PII_INDEX_HASH must be hmac-sm3 or hmac-sha256, not {algorithm!r}")
    return crypto_hmac.HMAC(index_key(), hashes.SM3())


def blind_index(normalised: str) -> str:
    """Keyed hash of an already normalised number (pii.normalize_*), hex; "" for ""."""
    if not normalised:
        return ""
    algorithm = getattr(settings, "PII_INDEX_HASH", "hmac-sm3").lower()
    raw = getattr(settings, "PII_INDEX_KEY", "") or ""
    # Without PII_INDEX_KEY (DEBUG only) the key derives from SECRET_KEY: part of the cache key then.
    mac = _keyed_mac(algorithm, raw, bool(settings.DEBUG), "" if raw else settings.SECRET_KEY).copy()
    mac.update(normalised.encode())
    return mac.hexdigest() if algorithm == "hmac-sha256" else mac.finalize().hex()
