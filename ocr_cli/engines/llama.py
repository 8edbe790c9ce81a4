"""The in-process llama.cpp engine (llama-cpp-python).

One `llama_cpp.Llama` per model file: GPU offload of all layers where the build supports it, all
physical cores, context = min(the model's training context, `settings.n_ctx`), llama.cpp's log kept
off the terminal unless verbose. Requests are rendered with the model's chat template
(`ocr_cli.engines.chat_template`) and decoded token by token, so that streaming, stop strings,
token counts and cancellation are exact. Consecutive requests reuse the evaluated prefix of the
previous one (llama-cpp-python keeps the KV cache), reported as `cached_prompt_tokens`.

Several requests are decoded together by `ocr_cli.engines.llama_batch.generate_batched` when
`settings.batched` is on and that module provides it; otherwise one after another.
"""

from __future__ import annotations

import codecs
import ctypes
import math
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ocr_cli.config import Settings
from ocr_cli.engines.base import (
    ChunkCallback,
    Engine,
    EngineInfo,
    FinishReason,
    GenerationRequest,
    GenerationResult,
)
from ocr_cli.engines.chat_template import ChatTemplate, choose_template
from ocr_cli.engines.llama_abort import PromptAbort
from ocr_cli.engines.llama_logging import explain_failure, install_log_handler, take_recent_errors
from ocr_cli.engines.llama_system import backend_name, gpu_offload_supported, physical_cores
from ocr_cli.engines.stop_strings import StopText
from ocr_cli.errors import EngineError, ModelError
from ocr_cli.models.gguf_info import GGUFInfo, read_gguf_info
from ocr_cli.models.registry import ResolvedModel

BatchedFn = Callable[..., list[GenerationResult]]


class LlamaEngine(Engine):
    """A GGUF model running in this process through llama.cpp."""

    def __init__(self, llama: Any, resolved: ResolvedModel, settings: Settings, gguf: GGUFInfo,
                 template: ChatTemplate, info: EngineInfo) -> None:
        self.llama = llama  # the llama_cpp.Llama object (used by llama_batch)
        self.resolved = resolved
        self.settings = settings
        self.gguf = gguf
        self.template = template
        self.info = info
        self.n_ctx: int = llama.n_ctx()
        self.lock = threading.RLock()  # one decode at a time on this model's context
        self._vocab = llama._model.vocab
        self._piece_buffer = ctypes.create_string_buffer(256)
        self._abort = PromptAbort(llama._ctx.ctx)

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
            llama = Llama(model_path=str(resolved.path), n_gpu_layers=n_gpu_layers, n_ctx=n_ctx,
                          n_threads=threads, n_threads_batch=threads, verbose=settings.verbose)
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
            n_ctx=llama.n_ctx(),
            threads=threads,
            chat_template=template.source,
        )
        return cls(llama, resolved, settings, gguf, template, info)

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

    def token_piece(self, token: int) -> bytes:
        """The bytes of one generated token (special tokens render as nothing)."""
        import llama_cpp

        n = llama_cpp.llama_token_to_piece(self._vocab, token, self._piece_buffer,
                                           len(self._piece_buffer), 0, False)
        if n < 0:
            self._piece_buffer = ctypes.create_string_buffer(-n)
            n = llama_cpp.llama_token_to_piece(self._vocab, token, self._piece_buffer,
                                               len(self._piece_buffer), 0, False)
        return self._piece_buffer.raw[:n]

    def is_end_token(self, token: int) -> bool:
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self._vocab, token))

    # --- generation ------------------------------------------------------------------------------

    def generate_batch(
        self,
        requests: Sequence[GenerationRequest],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[GenerationResult]:
        self._check_open()
        with self.lock:
            batched = self._batched_generator(requests)
            if batched is not None:
                return batched(self, list(requests), on_chunk, cancel)
            return [self._generate_one(i, r, on_chunk, cancel) for i, r in enumerate(requests)]

    def _batched_generator(self, requests: Sequence[GenerationRequest]) -> BatchedFn | None:
        """`llama_batch.generate_batched` when batching applies and is available, else None."""
        if not self.settings.batched or len(requests) < 2:
            return None
        try:
            from ocr_cli.engines import llama_batch
        except ImportError:
            return None
        found: BatchedFn | None = getattr(llama_batch, "generate_batched", None)
        return found

    def _generate_one(self, index: int, request: GenerationRequest, on_chunk: ChunkCallback | None,
                      cancel: threading.Event | None) -> GenerationResult:
        start = time.perf_counter()
        tokens = self.tokenize(self.render_prompt(request))
        params = request.params
        room = self.n_ctx - len(tokens)
        if room <= 0:
            return GenerationResult(
                text="", prompt_tokens=len(tokens), completion_tokens=0, finish_reason="error",
                elapsed_s=time.perf_counter() - start,
                error=f"the prompt ({len(tokens)} tokens) does not fit in the context ({self.n_ctx})")
        if cancel is not None and cancel.is_set():
            return GenerationResult(text="", prompt_tokens=len(tokens), completion_tokens=0,
                                    finish_reason="cancelled", elapsed_s=time.perf_counter() - start)
        cached = self._evaluate_prompt(tokens, cancel)
        if cached is None:
            return GenerationResult(text="", prompt_tokens=len(tokens), completion_tokens=0,
                                    finish_reason="cancelled", elapsed_s=time.perf_counter() - start)
        self.llama.set_seed(params.seed if params.seed is not None else secrets.randbits(32))
        limit = min(params.max_tokens, room)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        stops = StopText(params.stop)
        finish: FinishReason = "length"
        produced = 0

        def emit(chunk: str) -> None:
            if chunk and on_chunk is not None:
                on_chunk(index, chunk)

        stream = self.llama.generate(tokens, top_k=params.top_k, top_p=params.top_p, min_p=params.min_p,
                                     temp=params.temperature, repeat_penalty=1.0)
        try:
            for token in stream:
                if self.is_end_token(token):
                    finish = "stop"
                    break
                produced += 1
                emit(stops.add(decoder.decode(self.token_piece(token))))
                if stops.stopped:
                    finish = "stop"
                    break
                if produced >= limit:
                    break
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
        except Exception as exc:  # llama_decode failures surface as RuntimeError
            raise EngineError(f"llama.cpp failed while generating: {exc}") from None
        finally:
            stream.close()
        emit(stops.add(decoder.decode(b"", final=True)))
        emit(stops.finish())
        return GenerationResult(
            text=stops.text,
            prompt_tokens=len(tokens),
            completion_tokens=produced,
            finish_reason=finish,
            elapsed_s=time.perf_counter() - start,
            cached_prompt_tokens=cached,
        )

    def _evaluate_prompt(self, tokens: list[int], cancel: threading.Event | None) -> int | None:
        """Evaluate the prompt into the KV cache, reusing the cached prefix; `cancel` or Ctrl-C can
        stop it midway. Returns the number of reused tokens, or None when cancelled. Afterwards
        `Llama.generate(tokens)` finds the whole prompt cached and samples at once."""
        llama = self.llama
        keep = min(_common_prefix(llama._input_ids, tokens), len(tokens) - 1)
        if keep > 0 and not llama._ctx.kv_cache_seq_rm(-1, keep, -1):
            keep = 0
        if keep == 0:
            llama.reset()
        llama.n_tokens = keep
        with self._abort.watching(cancel) as abort:
            try:
                llama.eval(tokens[keep:])
            except RuntimeError as exc:
                if abort.interrupted:
                    return None  # watching() re-raises the Ctrl-C on the way out
                if abort.aborted:
                    return None
                raise EngineError(f"llama.cpp failed on the prompt: {exc}") from None
        return keep

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
            candidates = [self._first_tokens(tokens, choice) for choice in choices]
            seen: set[int] = set()
            for ids in candidates:
                if not ids or ids & seen:
                    return None
                seen |= ids
            logits = self._last_logits(tokens)
        scores = []
        for ids in candidates:
            values = [float(logits[i]) for i in ids]
            top = max(values)
            scores.append(top + math.log(sum(math.exp(v - top) for v in values)))
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        total = sum(weights)
        return [w / total for w in weights]

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

    def _last_logits(self, tokens: list[int]) -> Any:
        """Evaluate `tokens` (reusing the cached prefix) and return the next-token logits."""
        import llama_cpp
        import numpy as np

        llama = self.llama
        self._evaluate_prompt(tokens, None)
        pointer = llama_cpp.llama_get_logits_ith(llama._ctx.ctx, -1)
        return np.ctypeslib.as_array(pointer, shape=(llama.n_vocab(),)).copy()

    # --- lifetime --------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self.llama is None:
            raise EngineError("the llama.cpp engine was closed")

    def close(self) -> None:
        with self.lock:
            if self.llama is not None:
                self.llama.close()
                self.llama = None


def _common_prefix(cached: Sequence[int], tokens: Sequence[int]) -> int:
    n = 0
    for a, b in zip(cached, tokens, strict=False):
        if a != b:
            break
        n += 1
    return n


def _token_text(llama: Any, token: int) -> str:
    if token is None or token < 0:
        return ""
    try:
        return str(llama._model.token_get_text(token))
    except (UnicodeDecodeError, RuntimeError):
        return ""
