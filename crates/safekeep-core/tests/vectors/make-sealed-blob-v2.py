#!/usr/bin/env python3
"""Writes sealed-blob-v2.hex from docs/security.md § "Sealed blobs" alone, with Python's
`cryptography` package: an implementation independent of Safekeep's Rust code.

key = 32 bytes of 0x07, salt = 32 bytes 0x00..0x1f, content = b"Safekeep test vector\\n".
"""
import struct
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

key = bytes([7]) * 32
salt = bytes(range(32))
content = b"Safekeep test vector\n"
header = b"SKBLOB2\n" + salt
okm = HKDF(algorithm=hashes.SHA256(), length=39, salt=salt, info=b"safekeep blob v2").derive(key)
blob_key, prefix = okm[:32], okm[32:]


def padme(n):
    if n < 2:
        return n
    e = n.bit_length() - 1
    s = e.bit_length()
    mask = (1 << (e - s)) - 1
    return (n + mask) & ~mask


total = padme(max(len(content) + 8, 1024))
plain = content + bytes(total - 8 - len(content)) + struct.pack("<Q", len(content))
assert len(plain) <= 64 * 1024  # one chunk, which is the last
nonce = prefix + struct.pack(">I", 0) + b"\x01"
sealed = header + AESGCM(blob_key).encrypt(nonce, plain, header)
print(sealed.hex())
