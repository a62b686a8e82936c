"""QR codes as inline SVG (segno), rendered server-side: nothing is fetched by the browser."""

import segno


def qr_svg(data: str, *, scale: int = 4) -> str:
    return segno.make(data, error="m").svg_inline(scale=scale, dark="#1f2933", light="#ffffff")
