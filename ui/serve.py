"""What the page's first HTML carries and how it travels: the link preview and compression.

Gradio serves its page ("/") uncompressed (its Brotli middleware only compresses paths with a file extension)
and opens its <head> with Open Graph and Twitter tags that name "Gradio" ("Click to try out the app!"), so a
shared link previews as "Gradio". PageHead, an ASGI middleware given to launch(app_kwargs=...), rewrites that
one response: Gradio's preview tags are dropped, the demo's own come first in <head>, and the HTML is sent
brotli- or gzip-compressed when the browser accepts it (660 KB of mostly JSON config shrinks about tenfold).
Every other request passes through untouched.
"""

from __future__ import annotations

import gzip
import html
import re

import brotli  # Gradio's own dependency (gradio/brotli_middleware.py)
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TITLE = "Code Dawn 2014 · 代码破晓"
DESCRIPTION = ("2014: a graduate student's LSTM translator turns a long Chinese sentence into nonsense; a visitor "
               "from 2024 explains attention. Three translators from three moments in history, side by side, "
               "with their attention maps and the whiteboard.")
GRADIO_PREVIEW = re.compile(r'\s*<meta\s+(?:property="og:[^"]*"|name="twitter:[^"]*")\s+content="[^"]*"\s*/?>', re.S)
CHARSET = '<meta charset="utf-8" />'


def preview_tags(url: str, image: str | None) -> str:
    """The demo's Open Graph and Twitter card tags (url and image absolute, as link previews need)."""
    tags = {"og:title": TITLE, "og:description": DESCRIPTION, "og:type": "website", "og:url": url}
    cards = {"twitter:card": "summary_large_image" if image else "summary", "twitter:title": TITLE,
             "twitter:description": DESCRIPTION}
    if image:
        tags["og:image"] = cards["twitter:image"] = image
    meta = [f'<meta property="{k}" content="{html.escape(v)}" />' for k, v in tags.items()]
    meta += [f'<meta name="{k}" content="{html.escape(v)}" />' for k, v in cards.items()]
    meta.append(f'<meta name="description" content="{html.escape(DESCRIPTION)}" />')
    return "\n\t\t".join(meta)


def rewrite_head(page: str, url: str, image: str | None) -> str:
    """Gradio's index.html with its preview tags replaced by ours, placed first (right after the charset)."""
    page = GRADIO_PREVIEW.sub("", page)
    ours = preview_tags(url, image)
    if CHARSET in page:
        return page.replace(CHARSET, f"{CHARSET}\n\t\t{ours}", 1)
    return page.replace("<head>", f"<head>\n\t\t{ours}", 1)


def compress(body: bytes, accept: str) -> tuple[bytes, str | None]:
    """(body, content-encoding) in the best encoding the browser accepts: br, then gzip, else as is."""
    if "br" in accept:
        return brotli.compress(body, quality=5, mode=brotli.MODE_TEXT), "br"
    if "gzip" in accept:
        return gzip.compress(body, compresslevel=6), "gzip"
    return body, None


class PageHead:
    """ASGI middleware: the page ("/", GET) gets the demo's preview tags and is compressed; nothing else changes.
    image_path: the preview image's URL path on this server (made absolute from the request's host)."""

    def __init__(self, app: ASGIApp, image_path: str | None = None):
        self.app, self.image_path = app, image_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") != "/":
            return await self.app(scope, receive, send)
        start: dict = {}
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._send_page(scope, start, b"".join(chunks), send)
            else:
                await send(message)

        await self.app(scope, receive, collect)

    async def _send_page(self, scope: Scope, start: dict, body: bytes, send: Send) -> None:
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        if start.get("status") == 200 and headers.get("content-type", "").startswith("text/html") \
                and "content-encoding" not in headers:
            request = Headers(scope=scope)
            host = request.get("x-forwarded-host") or request.get("host", "localhost")
            scheme = request.get("x-forwarded-proto") or scope.get("scheme", "http")
            base = f"{scheme}://{host}"
            image = f"{base}{self.image_path}" if self.image_path else None
            body = rewrite_head(body.decode("utf-8"), f"{base}/", image).encode("utf-8")
            body, encoding = compress(body, request.get("accept-encoding", ""))
            if encoding:
                headers["content-encoding"] = encoding
                headers.add_vary_header("Accept-Encoding")
            headers["content-length"] = str(len(body))
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body, "more_body": False})


def middleware(image_path: str | None = None) -> list[Middleware]:
    """launch(app_kwargs={"middleware": middleware(...)}): the page's preview tags and compression."""
    return [Middleware(PageHead, image_path=image_path)]
