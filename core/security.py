"""Response headers that pages with special needs share."""

# The QR scanning desks (event check-in, academy modules) load their scripts
# and the ZXing WebAssembly from /static/ and talk only to this site: the
# browser refuses anything else, so the barcode reader can never fall back to
# its default CDN. The base template's two small inline scripts need
# 'unsafe-inline'; WebAssembly needs 'wasm-unsafe-eval'.
SCANNER_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
