"""Optional encryption of an archive: AES-256-GCM over 1 MiB chunks (a STREAM construction), so that a
large archive is encrypted and checked without holding it in memory.

Layout: MAGIC, a 7-byte random nonce prefix, then the chunks, each the ciphertext of up to CHUNK bytes
plus its 16-byte tag. A chunk's nonce is the prefix, its 4-byte index and a byte saying whether it is
the last; the header is authenticated with every chunk. A flipped bit fails the chunk's tag, a cut
archive lacks its last chunk, a reordered one fails the indices: each is refused, never half-read.

The key is BACKUP_ENCRYPTION_KEY: 32 random bytes in URL-safe base64 (what
`python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"` prints).
"""

import base64
import binascii
import os

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import BackupError

MAGIC = b"CNBKENC1"
CHUNK = 1024 * 1024
TAG = 16
PREFIX = 7


def encryption_key(*, required: bool) -> bytes | None:
    """The configured key, or None when there is none (and none is required)."""
    value = (getattr(settings, "BACKUP_ENCRYPTION_KEY", "") or "").strip()
    if not value:
        if required:
            raise BackupError(_("This backup is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was made with."))
        return None
    try:
        key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(_("BACKUP_ENCRYPTION_KEY must be 32 bytes in URL-safe base64."))
    return key


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def is_encrypted(path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def encrypt_file(source, dest, key: bytes) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)
    prefix = os.urandom(PREFIX)
    header = MAGIC + prefix
    with open(source, "rb") as src, open(dest, "wb") as out:
        out.write(header)
        index, chunk = 0, src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            last = not following
            out.write(aead.encrypt(_nonce(prefix, index, last), chunk, header))
            if last:
                break
            index, chunk = index + 1, following


def decrypt_file(source, dest, key: bytes) -> None:
    """Decrypt and authenticate every chunk; BackupError on a wrong key, a damaged or a cut archive."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)
    damaged = _("The archive cannot be decrypted: the key is wrong or the archive is damaged or truncated.")
    with open(source, "rb") as src, open(dest, "wb") as out:
        header = src.read(len(MAGIC) + PREFIX)
        if len(header) != len(MAGIC) + PREFIX or not header.startswith(MAGIC):
            raise BackupError(damaged)
        prefix = header[len(MAGIC) :]
        index, chunk = 0, src.read(CHUNK + TAG)
        while True:
            following = src.read(CHUNK + TAG)
            last = not following
            try:
                out.write(aead.decrypt(_nonce(prefix, index, last), chunk, header))
            except InvalidTag as exc:
                raise BackupError(damaged) from exc
            if last:
                return
            index, chunk = index + 1, following
