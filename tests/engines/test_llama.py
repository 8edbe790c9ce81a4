"""The llama.cpp engine with the real embedded model (tiny, CPU, short token limits)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cancel_events import SetAfterPolls  # type: ignore[import-not-found]

from ocr_cli.config import Settings
from ocr_cli.engines.base import GenerationRequest, Message, SamplingParams
from ocr_cli.engines.factory import EnginePool
from ocr_cli.engines.llama import LlamaEngine
from ocr_cli.engines.stop_strings import StopText
from ocr_cli.models.registry import resolve_model

pytestmark = pytest.mark.model

SETTINGS = Settings(n_ctx=2048, batched=False, threads=1)  # one thread: robust on a busy CI box


@pytest.fixture(scope="module")
def engine() -> Iterator[LlamaEngine]:
    opened = LlamaEngine.open(resolve_model(None), SETTINGS)
    yield opened
    opened.close()


def ask(text: str, **params: object) -> GenerationRequest:
    return GenerationRequest((Message("user", text),), SamplingParams(**params))  # type: ignore[arg-type]


def test_info(engine: LlamaEngine) -> None:
    info = engine.info
    assert info.engine == "llama.cpp"
    assert info.n_ctx == 2048  # min(training context 8192, settings.n_ctx)
    assert info.total_layers == 30
    assert info.backend == "CPU" and info.gpu_layers == 0  # this build has no GPU offload
    assert info.threads and info.threads >= 1
    assert info.chat_template == "gguf"


def test_the_model_has_one_context(engine: LlamaEngine) -> None:
    # The decoder's KV pool is the only context: the Llama object uses it too, at the full size.
    assert engine.llama._ctx is engine.decoder.pool.context
    assert engine.llama.n_ctx() == engine.decoder.pool.cells == 2048
    assert engine.decoder.pool.slots >= 8


def test_batched_requests_match_one_at_a_time() -> None:
    requests = [ask(q, temperature=0, max_tokens=16) for q in ("Name a fruit.", "Count to four.", "Say hi.")]
    batched = LlamaEngine.open(resolve_model(None), Settings(n_ctx=2048, batched=True, threads=1))
    try:
        together = batched.generate_batch(requests)
    finally:
        batched.close()
    fresh = LlamaEngine.open(resolve_model(None), SETTINGS)
    try:
        alone = [fresh.generate(r) for r in requests]
    finally:
        fresh.close()
    assert [r.text for r in together] == [r.text for r in alone]


def test_same_seed_same_text(engine: LlamaEngine) -> None:
    request = ask("Name three colours.", seed=7, max_tokens=16, temperature=0.9)
    first = engine.generate(request)
    engine.generate(ask("Something else entirely.", seed=1, max_tokens=4))
    second = engine.generate(request)
    assert first.text == second.text
    assert first.completion_tokens == 16 and first.finish_reason == "length"


def test_different_seeds_differ(engine: LlamaEngine) -> None:
    texts = {engine.generate(ask("Write a word.", seed=s, max_tokens=12, temperature=1.5, top_k=0,
                                 top_p=1.0, min_p=0.0)).text for s in range(4)}
    assert len(texts) > 1


def test_chunks_concatenate_to_the_text(engine: LlamaEngine) -> None:
    chunks: list[str] = []
    result = engine.generate(ask("Write a haiku about rivers.", seed=3, max_tokens=24),
                             on_chunk=chunks.append)
    assert len(chunks) > 3
    assert "".join(chunks) == result.text
    assert result.prompt_tokens > 10 and result.elapsed_s > 0


def test_stop_string_cuts_and_never_streams(engine: LlamaEngine) -> None:
    chunks: list[str] = []
    result = engine.generate(ask("Count from 1 to 20, separated by commas.", temperature=0, max_tokens=60,
                                 stop=("7",)), on_chunk=chunks.append)
    assert result.finish_reason == "stop"
    assert "7" not in result.text and "6" in result.text
    assert "".join(chunks) == result.text


def test_natural_end_is_stop(engine: LlamaEngine) -> None:
    result = engine.generate(ask("Reply with the single word: yes", temperature=0, max_tokens=64))
    assert result.finish_reason == "stop" and result.completion_tokens < 64


def test_assistant_prefix_is_continued(engine: LlamaEngine) -> None:
    request = GenerationRequest((Message("user", "Write Python code that prints hello."),),
                                SamplingParams(temperature=0, max_tokens=12), assistant_prefix="```python\n")
    assert engine.render_prompt(request).endswith("<|im_start|>assistant\n```python\n")
    result = engine.generate(request)
    assert not result.text.startswith("```python")
    assert result.text.strip()


def test_prefix_cache_reused(engine: LlamaEngine) -> None:
    request = ask("Tell me about the moon.", temperature=0, max_tokens=4)
    engine.generate(request)
    again = engine.generate(request)
    assert again.cached_prompt_tokens == again.prompt_tokens - 1


def test_cancel_between_tokens(engine: LlamaEngine) -> None:
    cancel = threading.Event()
    chunks: list[str] = []

    def on_chunk(text: str) -> None:
        chunks.append(text)
        if len(chunks) == 3:
            cancel.set()

    result = engine.generate(ask("Write a long story about a dragon.", seed=1, max_tokens=64),
                             on_chunk=on_chunk, cancel=cancel)
    assert result.finish_reason == "cancelled"
    assert 3 <= result.completion_tokens < 64
    already = engine.generate(ask("Hi", max_tokens=8), cancel=cancel)
    assert already.finish_reason == "cancelled" and already.text == ""


def test_cancel_during_prompt_evaluation(engine: LlamaEngine) -> None:
    request = ask("Summarise: " + "the quick brown fox jumps over the lazy dog. " * 30, temperature=0,
                  max_tokens=4)
    prompt_tokens = len(engine.tokenize(engine.render_prompt(request)))
    cancel = SetAfterPolls(polls=5)  # check 1: before starting; checks 2+: llama.cpp's abort callback
    result = engine.generate(request, cancel=cancel)
    assert result.finish_reason == "cancelled" and result.completion_tokens == 0
    assert len(engine.decoder.cached_tokens) < prompt_tokens  # stopped inside the prompt, not after it
    # The engine is still consistent: the same request now matches a fresh greedy run.
    resumed = engine.generate(request)
    fresh = LlamaEngine.open(resolve_model(None), SETTINGS)
    try:
        assert resumed.text == fresh.generate(request).text
    finally:
        fresh.close()


class CtrlCDuringPrompt(threading.Event):
    """Raises SIGINT from inside llama.cpp's abort callback, as a Ctrl-C arriving while the prompt is
    evaluated would: at the first poll made while the engine watches the prompt evaluation. It waits
    on that event (the engine's abort callback polling this cancel), not on a count of polls or on
    time, so a slow or busy machine changes nothing."""

    def __init__(self, engine: LlamaEngine) -> None:
        super().__init__()
        self.engine = engine
        self.raised_during_prompt = False

    def is_set(self) -> bool:
        import signal

        evaluating = self.engine.decoder._abort._cancel is self  # inside PromptAbort.watching(self)
        if evaluating and not self.raised_during_prompt:
            self.raised_during_prompt = True
            signal.raise_signal(signal.SIGINT)
        return False


def test_ctrl_c_during_prompt_evaluation(engine: LlamaEngine) -> None:
    request = ask("Explain: " + "a b c d e f g h i j k l m n o p. " * 100, temperature=0, max_tokens=4)
    prompt = engine.tokenize(engine.render_prompt(request))
    cancel = CtrlCDuringPrompt(engine)
    with pytest.raises(KeyboardInterrupt):
        engine.generate(request, cancel=cancel)
    assert cancel.raised_during_prompt
    assert len(engine.decoder.cached_tokens) < len(prompt)  # stopped midway through the prompt
    assert engine.generate(ask("Say ok.", temperature=0, max_tokens=3)).completion_tokens > 0


def test_prompt_too_long_is_an_error_result(engine: LlamaEngine) -> None:
    result = engine.generate(ask("word " * 3000, max_tokens=4))
    assert result.finish_reason == "error" and "does not fit" in (result.error or "")


def test_score_choices(engine: LlamaEngine) -> None:
    obvious = GenerationRequest(
        (Message("user", 'Repeat exactly this word and nothing else: "wrong"'),),
        assistant_prefix="", params=SamplingParams(max_tokens=1))
    scores = engine.score_choices(obvious, ["right", "wrong"])
    assert scores is not None and len(scores) == 2
    assert sum(scores) == pytest.approx(1.0)
    assert scores[1] > scores[0]
    other = GenerationRequest(
        (Message("user", 'Repeat exactly this word and nothing else: "right"'),), assistant_prefix="")
    flipped = engine.score_choices(other, ["right", "wrong"])
    assert flipped is not None and flipped[0] > flipped[1]


def test_score_choices_with_shared_first_token_is_none(engine: LlamaEngine) -> None:
    assert engine.score_choices(ask("x"), ["right", "right"]) is None


def test_generation_after_scoring_is_unchanged(engine: LlamaEngine) -> None:
    request = ask("Name a fruit.", temperature=0, max_tokens=8)
    before = engine.generate(request).text
    engine.score_choices(request, ["right", "wrong"])
    assert engine.generate(request).text == before


def test_tokenizer_folder_template(tmp_path: Path) -> None:
    """A local HF tokenizer folder replaces the GGUF's template (offline, transformers, no torch)."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    folder = tmp_path / "tok"
    folder.mkdir()
    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0, "hello": 1}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    template = ("{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}"
                "{% if add_generation_prompt %}[bot] {% endif %}")
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "chat_template": template, "unk_token": "[UNK]"}))
    custom = LlamaEngine.open(resolve_model(None), Settings(n_ctx=512, threads=1, tokenizer=str(folder)))
    try:
        assert custom.info.chat_template == f"tokenizer:{folder}"
        prompt = custom.render_prompt(ask("two plus two"))
        assert prompt == "[user] two plus two\n[bot] "
        assert custom.generate(ask("two plus two", max_tokens=3, seed=1)).completion_tokens <= 3
    finally:
        custom.close()


def test_pool_shares_one_engine_for_generator_and_critic() -> None:
    spec = str(resolve_model(None).path)
    with EnginePool(Settings(model=spec, critic="smollm2-135m-instruct", n_ctx=512, threads=1)) as pool:
        generator, critic = pool.generator_and_critic()
        assert generator is critic
        assert isinstance(generator, LlamaEngine)


def test_quiet_llama_log(capfd: pytest.CaptureFixture[str]) -> None:
    quiet = LlamaEngine.open(resolve_model(None), Settings(n_ctx=512, threads=1))
    quiet.generate(ask("hi", max_tokens=2))
    quiet.close()
    captured = capfd.readouterr()
    assert "llama_" not in captured.err and "llama_" not in captured.out
    assert "load_tensors" not in captured.err


def test_verbose_shows_llama_log(capfd: pytest.CaptureFixture[str]) -> None:
    loud = LlamaEngine.open(resolve_model(None), Settings(n_ctx=512, threads=1, verbose=True))
    loud.close()
    assert "llama" in capfd.readouterr().err
    LlamaEngine.open(resolve_model(None), Settings(n_ctx=512, threads=1)).close()
    assert capfd.readouterr().err == ""  # quiet again for the next engine


def test_stop_filter_holds_back_a_partial_stop() -> None:
    stops = StopText(["</end>"])
    assert stops.add("abc</") == "abc"
    assert stops.add("en") == ""
    assert stops.add("x more") == "</enx more"
    assert stops.add(" </end> tail") == " "
    assert stops.stopped and stops.text == "abc</enx more "


def test_verdict_scored_inside_generation_matches_scoring_afterwards(engine: LlamaEngine) -> None:
    from ocr_cli.solve.critic import VERDICT_SCORING, score_verdict

    request = GenerationRequest((Message("user", "Is 2 + 2 = 4? End with <judgement>right</judgement> or "
                                                 "<judgement>wrong</judgement>."),),
                                SamplingParams(temperature=0, max_tokens=24), score_at=VERDICT_SCORING)
    result = engine.generate(request)
    assert result.choice_probabilities is not None and result.scoring_tokens > 0
    p_right, p_wrong = result.choice_probabilities
    assert p_right + p_wrong == pytest.approx(1.0)
    afterwards = score_verdict(engine, request.messages, result.text)
    assert afterwards == pytest.approx(p_right, abs=1e-3)
