"""`--fetch-statement`: a problem's statement downloaded from its page and turned into text.

Competitive Companion sends a problem's name, limits, samples and URL, not its statement. This
downloads the URL (httpx) and converts the HTML to text with html2text (the optional `fetch` extra):
never required, and when it cannot (offline, a login page, no html2text) it says why in one line.
"""

from __future__ import annotations

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
    text = converter.handle(response.text).strip()
    if not text:
        raise ProblemError(f"the page at {url} has no text", hint="give the statement with --statement FILE")
    return text + "\n"
