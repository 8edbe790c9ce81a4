"""The in-process llama.cpp engine (llama-cpp-python).

One `llama_cpp.Llama` per model file: GPU offload of all layers where the build supports it, all
physical cores, llama.cpp's log kept off the terminal unless verbose. The model has one context:
the batched decoder's KV pool of min(the model's training context, `settings.n_ctx`) cells
(`ocr_cli.engines.kv_pool`), which the `Llama` object uses too. Requests are rendered with the
model's chat template (`ocr_cli.engines.chat_template`) and decoded token by token by
`ocr_cli.engines.llama_batch`, so that streaming, stop strings, token counts and cancellation are
exact: all requests of a call together when `settings.batched` is on, else one after another.
Consecutive requests reuse the evaluated prefix of the previous one, reported as
`cached_prompt_tokens`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from ocr_cli.config import Settings
from ocr_cli.engines.base import ChunkCallback, Engine, EngineInfo, GenerationRequest, GenerationResult
from ocr_cli.engines.batch_decoder import BatchedDecoder
from ocr_cli.engines.batch_types import choice_probabilities
from ocr_cli.engines.chat_template import ChatTemplate, choose_template
from ocr_cli.engines.llama_batch import generate_batched, stream_batched
from ocr_cli.engines.llama_logging import explain_failure, install_log_handler, take_recent_errors
from ocr_cli.engines.llama_system import backend_name, gpu_offload_supported, physical_cores
from ocr_cli.engines.prompt_lookup import LookupOptions
from ocr_cli.engines.request_feed import RequestFeed
from ocr_cli.errors import EngineError, ModelError
from ocr_cli.models.gguf_info import GGUFInfo, read_gguf_info
from ocr_cli.models.registry import ResolvedModel

#: Requests decoded at once (more wait for a free slot).
SLOTS = 16
#: Cells of the context `Llama` makes at load, before the engine replaces it with its pool.
PLACEHOLDER_CTX = 64


class LlamaEngine(Engine):
    """A GGUF model running in this process through llama.cpp."""

    def __init__(self, llama: Any, resolved: ResolvedModel, settings: Settings, gguf: GGUFInfo,
                 template: ChatTemplate, info: EngineInfo, n_ctx: int) -> None:
        self.llama = llama  # the llama_cpp.Llama object (used by llama_batch)
        self.resolved = resolved
        self.settings = settings
        self.gguf = gguf
        self.template = template
        self.info = info
        self.lock = threading.RLock()  # one decode at a time on this model's context
        lookup = LookupOptions() if settings.prompt_lookup else None
        self.decoder = BatchedDecoder(llama, max_ctx=n_ctx, lookup=lookup, slots=SLOTS)
        # The decoder's context is the model's only one: the `Llama` object's own (a placeholder
        # made at load) is freed and the `Llama` points at the decoder's.
        llama._ctx.close()
        llama._ctx = self.decoder.pool.context
        self.n_ctx: int = self.decoder.seq_limit
        self.continuous = settings.batched

    @classmethod
    def open(cls, resolved: ResolvedModel, settings: Settings) -> LlamaEngine:
        """Check and load a model file. Bad files raise ModelError naming the file."""
        install_log_handler(settings.verbose)
        take_recent_errors()  # forget older lines: only this load's explain a failure
        gguf = read_gguf_info(resolved.path)
        trained = gguf.context_length or settings.n_ctx
        n_ctx = max(256, min(trained, settings.n_ctx))
        offload = gpu_offload_supported()
        n_gpu_layers = settings.n_gpu_layers if offload else 0
        threads = settings.threads or physical_cores()
        from llama_cpp import Llama

        try:
            # A small placeholder context: the engine replaces it with the decoder's pool (below).
            llama = Llama(model_path=str(resolved.path), n_gpu_layers=n_gpu_layers, n_ctx=PLACEHOLDER_CTX,
                          n_batch=PLACEHOLDER_CTX, n_threads=threads, n_threads_batch=threads,
                          flash_attn=True, verbose=settings.verbose)
        except (ValueError, RuntimeError, OSError) as exc:
            reason = explain_failure(str(exc))
            raise ModelError(f"llama.cpp cannot load this model: {reason}", path=resolved.path) from None
        template = choose_template(gguf.chat_template, _token_text(llama, llama.token_bos()),
                                   _token_text(llama, llama.token_eos()), settings.tokenizer)
        import llama_cpp

        total_layers = int(llama_cpp.llama_model_n_layer(llama._model.model))
        gpu_layers = 0
        if offload and n_gpu_layers != 0:
            gpu_layers = total_layers if n_gpu_layers < 0 else min(n_gpu_layers, total_layers)
        info = EngineInfo(
            engine="llama.cpp",
            model=resolved.display_name,
            backend=backend_name() if gpu_layers > 0 else "CPU",
            gpu_layers=gpu_layers,
            total_layers=total_layers,
            n_ctx=n_ctx,
            threads=threads,
            chat_template=template.source,
        )
        try:
            return cls(llama, resolved, settings, gguf, template, info, n_ctx)
        except EngineError:
            llama.close()
            raise

    # --- what the batched decoder (ocr_cli.engines.llama_batch) builds on -----------------------

    def render_prompt(self, request: GenerationRequest) -> str:
        """The prompt text: the chat template with the generation prompt, then the assistant prefix."""
        return self.template.render(request.messages) + request.assistant_prefix

    def tokenize(self, text: str, add_bos: bool = True) -> list[int]:
        """Token ids of prompt text (special tokens parsed; BOS as the model wants it, once)."""
        tokens: list[int] = self.llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)
        bos = self.llama.token_bos()
        if len(tokens) >= 2 and tokens[0] == bos and tokens[1] == bos:
            tokens = tokens[1:]  # the template wrote BOS itself
        return tokens

    def choice_token_ids(self, tokens: list[int], choices: Sequence[str]) -> list[set[int]] | None:
        """For each choice, the token ids that start it right after `tokens` (its " choice" variant
        included); None when two choices can start with the same token."""
        candidates = [self._first_tokens(tokens, choice) for choice in choices]
        seen: set[int] = set()
        for ids in candidates:
            if not ids or ids & seen:
                return None
            seen |= ids
        return candidates

    # --- generation ------------------------------------------------------------------------------

    def generate_batch(
        self,
        requests: Sequence[GenerationRequest],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[GenerationResult]:
        self._check_open()
        with self.lock:
            if self.settings.batched or len(requests) < 2:
                return generate_batched(self, requests, on_chunk, cancel)
            results = []
            for index, request in enumerate(requests):
                def shifted(_i: int, text: str, index: int = index) -> None:
                    if on_chunk is not None:
                        on_chunk(index, text)

                results.extend(generate_batched(self, [request], shifted, cancel))
            return results

    def generate_stream(
        self,
        feed: RequestFeed,
        on_result: Callable[[int, GenerationResult], None],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """Continuous batching: a request joins the running batch as soon as it fits (when batching
        is off, requests are answered one after another as they come)."""
        self._check_open()
        if not self.continuous:
            super().generate_stream(feed, on_result, on_chunk, cancel)
            return
        with self.lock:
            stream_batched(self, feed, on_result, on_chunk, cancel)

    # --- critic verdict scoring ------------------------------------------------------------------

    def score_choices(self, request: GenerationRequest, choices: Sequence[str]) -> list[float] | None:
        """Softmax over the first token of each choice (its " choice" variant included) after the
        rendered prompt + assistant prefix. None when two choices start with the same token."""
        self._check_open()
        if not choices:
            return None
        with self.lock:
            tokens = self.tokenize(self.render_prompt(request))
            if len(tokens) >= self.n_ctx:
                return None
            candidates = self.choice_token_ids(tokens, choices)
            if candidates is None:
                return None
            logits = self.decoder.next_logits(tokens)
        if logits is None:
            return None
        return list(choice_probabilities(logits, candidates))

    def _first_tokens(self, prompt_tokens: list[int], choice: str) -> set[int]:
        ids: set[int] = set()
        for variant in (choice, " " + choice):
            piece = self.tokenize(variant, add_bos=False)
            if piece:
                ids.add(piece[0])
        # How the choice tokenizes right after this very prompt (merges at the boundary).
        joined = self.tokenize(self.llama.detokenize(prompt_tokens, special=True).decode(
            "utf-8", errors="replace") + choice)
        if joined[:len(prompt_tokens)] == prompt_tokens and len(joined) > len(prompt_tokens):
            ids.add(joined[len(prompt_tokens)])
        return ids

    # --- lifetime --------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self.llama is None:
            raise EngineError("the llama.cpp engine was closed")

    def close(self) -> None:
        with self.lock:
            if self.llama is not None:
                self.decoder.close()
                self.llama.close()
                self.llama = None


def _token_text(llama: Any, token: int) -> str:
    if token is None or token < 0:
        return ""
    try:
        return str(llama._model.token_get_text(token))
    except (UnicodeDecodeError, RuntimeError):
        return ""
