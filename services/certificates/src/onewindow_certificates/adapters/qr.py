"""The 亮证 code as a picture: PNG for apps and printing, SVG for pages (segno, pure Python).

Error correction M (15% of the code may be lost): the payload is about 450 alphanumeric characters,
and a lower version with larger modules reads more reliably off a phone screen than a denser code
with more redundancy. segno picks the alphanumeric mode by itself: base45 is all in it.
"""
from __future__ import annotations

import io

import segno

_ERROR = "m"
_BORDER = 4  # the quiet zone the QR standard asks for


def _code(payload: str) -> segno.QRCode:
    return segno.make_qr(payload, error=_ERROR, boost_error=False)


def png(payload: str, scale: int = 5) -> bytes:
    out = io.BytesIO()
    _code(payload).save(out, kind="png", scale=scale, border=_BORDER)
    return out.getvalue()


def svg(payload: str, scale: int = 4) -> bytes:
    out = io.BytesIO()
    _code(payload).save(out, kind="svg", scale=scale, border=_BORDER, title="电子证照核验码")
    return out.getvalue()


def inline_svg(payload: str) -> str:
    """An <svg> element to place inside an HTML page, sized by the page's CSS (a viewBox, no fixed size:
    a fixed-size <svg> shrunk by CSS would crop the code instead of scaling it)."""
    return _code(payload).svg_inline(border=_BORDER, omitsize=True)
