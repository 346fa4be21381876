"""Signing and the 亮证 QR payload: keys, COSE_Sign1, base45."""
