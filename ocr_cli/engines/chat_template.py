"""Chat templates: turn messages into the prompt text a model was trained on.

The template comes from the GGUF metadata (`tokenizer.chat_template`, rendered with jinja2 the way
transformers does), or from a local Hugging Face tokenizer folder (transformers'
`AutoTokenizer.apply_chat_template`, offline, no torch) when the user names one or the GGUF has no
usable template. With neither, ChatML is used (and `source` says so).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ocr_cli.engines.base import Message
from ocr_cli.errors import ModelError

_CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] "
    "+ '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
_PROBE = (Message("user", "u"),)

Renderer = Callable[[Sequence[Message]], str]


@dataclass(frozen=True)
class ChatTemplate:
    """Renders messages (with the generation prompt) into prompt text; `source` says where from."""

    render_fn: Renderer
    source: str  # "gguf", "tokenizer:<folder>", "chatml (fallback)"

    def render(self, messages: Sequence[Message]) -> str:
        try:
            return self.render_fn(messages)
        except Exception as exc:  # a template's own raise_exception or a jinja error
            raise ModelError(f"the chat template ({self.source}) failed: {exc}",
                             hint="`ocr config set tokenizer FOLDER` with a folder holding a working "
                                  "tokenizer_config.json") from None


def jinja_template(template: str, bos_token: str, eos_token: str, source: str) -> ChatTemplate:
    """A template string rendered as transformers does (llama-cpp-python's Jinja2ChatFormatter)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    formatter = Jinja2ChatFormatter(template=template, bos_token=bos_token, eos_token=eos_token,
                                    add_generation_prompt=True)

    def render(messages: Sequence[Message]) -> str:
        return formatter(messages=[m.as_dict() for m in messages]).prompt  # type: ignore[misc]

    return ChatTemplate(render, source)


def tokenizer_template(folder: str | Path) -> ChatTemplate:
    """The chat template of a local Hugging Face tokenizer folder."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ModelError("tokenizer folder does not exist", path=path)
    try:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"cannot load a tokenizer from this folder: {reason}", path=path) from None
    if not getattr(tokenizer, "chat_template", None):
        raise ModelError("the tokenizer has no chat_template", path=path)

    def render(messages: Sequence[Message]) -> str:
        text = tokenizer.apply_chat_template([m.as_dict() for m in messages], tokenize=False,
                                             add_generation_prompt=True)
        return str(text)

    template = ChatTemplate(render, f"tokenizer:{path}")
    template.render(_PROBE)
    return template


def choose_template(gguf_template: str | None, bos_token: str, eos_token: str,
                    tokenizer_folder: str | None) -> ChatTemplate:
    """The tokenizer folder's template when given; else the GGUF's when it renders; else ChatML."""
    if tokenizer_folder:
        return tokenizer_template(tokenizer_folder)
    if gguf_template:
        try:
            template = jinja_template(gguf_template, bos_token, eos_token, "gguf")
            template.render(_PROBE)
            return template
        except Exception:
            pass  # broken template: fall back below
    return jinja_template(_CHATML, bos_token, eos_token, "chatml (fallback: no usable template in the GGUF)")
