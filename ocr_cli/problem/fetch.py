"""`--fetch-statement`: a problem's statement downloaded from its page and turned into text.

Competitive Companion sends a problem's name, limits, samples and URL, not its statement. This
downloads the URL (httpx) and converts the HTML to text with html2text (the optional `fetch` extra):
never required, and when it cannot (offline, a login page, no html2text) it says why in one line.
"""

from __future__ import annotations

from html.parser import HTMLParser

from ocr_cli.errors import ProblemError

TIMEOUT_S = 15.0
MAX_BYTES = 5 * 1024 * 1024


def fetch_statement(url: str, *, timeout_s: float = TIMEOUT_S) -> str:
    """The text of the page at `url`; raises ProblemError saying why it could not be had."""
    try:
        import html2text
    except ImportError:
        raise ProblemError("--fetch-statement needs html2text", hint="pip install 'ocr-cli[fetch]'") from None
    import httpx

    if not url.startswith(("http://", "https://")):
        raise ProblemError(f"cannot fetch the statement: not a web address: {url!r}")
    try:
        with httpx.Client(follow_redirects=True, timeout=timeout_s,
                          headers={"User-Agent": "ocr-cli (statement fetch)"}) as client:
            response = client.get(url)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise ProblemError(f"cannot download the statement from {url}: {reason}",
                           hint="offline? give it with --statement FILE") from None
    if response.status_code >= 400:
        raise ProblemError(f"cannot download the statement from {url}: HTTP {response.status_code}",
                           hint="give it with --statement FILE")
    if len(response.content) > MAX_BYTES:
        raise ProblemError(f"the page at {url} is over {MAX_BYTES // (1024 * 1024)} MB: not a statement")
    converter = html2text.HTML2Text()
    converter.ignore_links = True
    converter.ignore_images = True
    converter.body_width = 0  # keep lines as the page has them: samples must not be re-wrapped
    text = converter.handle(statement_html(response.text)).strip()
    if not text:
        raise ProblemError(f"the page at {url} has no text", hint="give the statement with --statement FILE")
    return text + "\n"


#: Where judges keep the statement on a problem's page (Codeforces, AtCoder, Kattis, generic), in order.
STATEMENT_CONTAINERS = (("class", "problem-statement"), ("id", "task-statement"), ("class", "problembody"),
                        ("tag", "main"), ("tag", "article"))


def statement_html(page: str) -> str:
    """The part of a problem's page that holds the statement (menus and footers left out), else the
    whole page."""
    for kind, name in STATEMENT_CONTAINERS:
        finder = _ElementFinder(kind, name)
        finder.feed(page)
        finder.close()
        if finder.parts:
            return "".join(finder.parts)
    return page


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _ElementFinder(HTMLParser):
    """Collects the markup of the first element with the given tag, id or class."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(convert_charrefs=False)
        self.kind, self.name = kind, name
        self.parts: list[str] = []
        self._depth = 0  # open elements inside the found one (0: not inside)
        self._done = False

    def _matches(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if self.kind == "tag":
            return tag == self.name
        values = [value or "" for key, value in attrs if key == self.kind]
        return any(self.name in value.split() for value in values)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._done:
            return
        if self._depth == 0 and not self._matches(tag, attrs):
            return
        self.parts.append(self.get_starttag_text() or "")
        if tag not in _VOID:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth == 0 or self._done:
            return
        self.parts.append(f"</{tag}>")
        self._depth -= 1
        self._done = self._depth == 0

    def handle_data(self, data: str) -> None:
        if self._depth and not self._done:
            self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")
