"""A tiny, randomly initialised Llama for tests: one set of weights, two formats.

:func:`build` writes, deterministically from a seed,

- a byte-level BPE tokenizer trained with the ``tokenizers`` library on English-like text
  generated here (every byte is in the vocabulary, so any input tokenizes), with a ChatML-style
  chat template, ``<|im_end|>`` as end of turn;
- a ``LlamaForCausalLM`` (hidden size 64, 2 layers, 2 query heads of 32 dimensions sharing one
  key/value head)
  with ``initializer_range`` 0.5, saved with transformers (safetensors) beside the tokenizer;
- the same weights and tokenizer as a float32 GGUF file that llama.cpp loads, written with the
  ``gguf`` package.

Large random weights make the next-token logits far apart, so greedy decoding is robust to the
small numeric differences between transformers and llama.cpp: the two give the same tokens.
The output rows of tokens that are not whole UTF-8 text (single bytes 0x80-0xFF) are zeroed,
so the model never emits half a character and both backends decode identical text.

:func:`built` builds once per folder and seed (a marker file says the build finished), so
tests in several modules share one build under pytest's session folder.

From a shell: ``python -m tests.support.tiny_models OUTDIR [--seed N]`` prints both paths.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

SPECIAL_TOKENS = ("<|im_start|>", "<|im_end|>")
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
VOCAB_SIZE = 640
HIDDEN = 64
LAYERS = 2
HEADS = 2
KV_HEADS = 1
CONTEXT = 1024
ROPE_THETA = 10000.0
RMS_EPS = 1e-5
INIT_RANGE = 0.5


@dataclass(frozen=True)
class TinyModel:
    """Where a built model lies: ``folder`` (transformers) and ``gguf`` (llama.cpp)."""

    folder: Path
    gguf: Path


# -- text to train the tokenizer on -----------------------------------------------------------

_SUBJECTS = [
    "the writer",
    "a careful reader",
    "our team",
    "the model",
    "every answer",
    "the report",
    "this letter",
    "the teacher",
    "a small robot",
    "the garden",
    "my neighbour",
    "the city",
]
_VERBS = [
    "describes",
    "explains",
    "lists",
    "compares",
    "summarizes",
    "answers",
    "writes about",
    "remembers",
    "questions",
    "improves",
    "follows",
    "ignores",
]
_OBJECTS = [
    "the weather in spring",
    "three reasons",
    "a short poem",
    "the history of bridges",
    "two paragraphs",
    "the main idea",
    "a list of rules",
    "the final section",
    "each keyword",
    "a friendly email",
    "the title",
    "every instruction",
]
_ENDINGS = [".", "!", "?", ", and then stops.", " in 50 words.", " without commas."]
_FRAGMENTS = [
    "* first point\n* second point",
    "# Title\n\nSome text.",
    '{"answer": "yes", "count": 3}',
    "Section 1\nSection 2",
    "<<a title>>",
    "P.S. thank you",
    "1. one\n2. two\n3. three",
    "Write in all capital letters.",
    "Respond in lowercase only.",
    "Use at least 300 words.",
]


def corpus(seed: int, sentences: int = 1500) -> list[str]:
    """English-like lines for tokenizer training, the same for the same seed."""
    rng = random.Random(seed)
    lines = []
    for _ in range(sentences):
        sentence = (
            f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
            f"{rng.choice(_ENDINGS)}"
        )
        if rng.random() < 0.3:
            sentence = sentence.capitalize()
        if rng.random() < 0.15:
            sentence += f" {rng.randint(0, 2024)}"
        if rng.random() < 0.1:
            sentence += "\n" + rng.choice(_FRAGMENTS)
        lines.append(sentence)
    return lines


# -- building ---------------------------------------------------------------------------------


def train_tokenizer(seed: int) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus(seed), trainer=trainer)
    return tokenizer


def build(root: Path, seed: int = 0) -> TinyModel:
    """Write the tokenizer, the transformers model and the GGUF file under ``root``."""
    folder = root / "tiny-llama"
    folder.mkdir(parents=True, exist_ok=True)
    backend_tokenizer = train_tokenizer(seed)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend_tokenizer,
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|im_end|>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)

    vocab = backend_tokenizer.get_vocab(with_added_tokens=True)
    ids = {token: i for token, i in vocab.items()}
    start, end = ids["<|im_start|>"], ids["<|im_end|>"]
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=HIDDEN,
        intermediate_size=2 * HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=KV_HEADS,
        max_position_embeddings=CONTEXT,
        initializer_range=INIT_RANGE,
        rms_norm_eps=RMS_EPS,
        rope_theta=ROPE_THETA,
        tie_word_embeddings=False,
        bos_token_id=start,
        eos_token_id=end,
        pad_token_id=end,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for token, index in vocab.items():
            # A lone byte 0x80-0xFF decodes to U+FFFD: never let the model pick one.
            if token not in SPECIAL_TOKENS and "\ufffd" in backend_tokenizer.decode([index]):
                model.lm_head.weight[index].zero_()
    model.save_pretrained(folder)
    path = root / "tiny-llama.gguf"
    write_gguf(model, backend_tokenizer, path)
    return TinyModel(folder, path)


def built(base: Path, seed: int = 0) -> TinyModel:
    """The model of ``seed`` under ``base``, built the first time it is asked for."""
    root = base / f"tiny-models-seed{seed}"
    done = root / "built"
    if not done.is_file():
        model = build(root, seed)
        done.write_text("ok\n", encoding="utf-8")
        return model
    return TinyModel(root / "tiny-llama", root / "tiny-llama.gguf")


# -- GGUF -------------------------------------------------------------------------------------


def _rope_rows(weight: np.ndarray, heads: int) -> np.ndarray:
    """Reorder the rows of a query or key projection from transformers' rotary layout (each
    head's first half of dimensions paired with its second half) to llama.cpp's (adjacent
    dimensions paired)."""
    rows, cols = weight.shape
    half = rows // heads // 2
    return weight.reshape(heads, 2, half, cols).swapaxes(1, 2).reshape(rows, cols)


def write_gguf(model: LlamaForCausalLM, tokenizer: Tokenizer, path: Path) -> None:
    """Write ``model`` and ``tokenizer`` as a float32 GGUF file for llama.cpp's llama arch."""
    config = model.config
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_name("adhere-tiny-llama")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_dimension_count(config.hidden_size // config.num_attention_heads)
    writer.add_rope_freq_base(ROPE_THETA)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    vocab = tokenizer.get_vocab(with_added_tokens=True)
    tokens = sorted(vocab, key=vocab.__getitem__)
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(
        [gguf.TokenType.CONTROL if t in SPECIAL_TOKENS else gguf.TokenType.NORMAL for t in tokens]
    )
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in merges])
    writer.add_bos_token_id(vocab["<|im_start|>"])
    writer.add_eos_token_id(vocab["<|im_end|>"])
    writer.add_pad_token_id(vocab["<|im_end|>"])
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHAT_TEMPLATE)

    state = {k: v.detach().to(torch.float32).numpy() for k, v in model.state_dict().items()}
    writer.add_tensor("token_embd.weight", state["model.embed_tokens.weight"])
    for i in range(config.num_hidden_layers):
        hf = f"model.layers.{i}."
        blk = f"blk.{i}."
        q = _rope_rows(state[hf + "self_attn.q_proj.weight"], config.num_attention_heads)
        k = _rope_rows(state[hf + "self_attn.k_proj.weight"], config.num_key_value_heads)
        writer.add_tensor(blk + "attn_norm.weight", state[hf + "input_layernorm.weight"])
        writer.add_tensor(blk + "attn_q.weight", q)
        writer.add_tensor(blk + "attn_k.weight", k)
        writer.add_tensor(blk + "attn_v.weight", state[hf + "self_attn.v_proj.weight"])
        writer.add_tensor(blk + "attn_output.weight", state[hf + "self_attn.o_proj.weight"])
        writer.add_tensor(blk + "ffn_norm.weight", state[hf + "post_attention_layernorm.weight"])
        writer.add_tensor(blk + "ffn_gate.weight", state[hf + "mlp.gate_proj.weight"])
        writer.add_tensor(blk + "ffn_up.weight", state[hf + "mlp.up_proj.weight"])
        writer.add_tensor(blk + "ffn_down.weight", state[hf + "mlp.down_proj.weight"])
    writer.add_tensor("output_norm.weight", state["model.norm.weight"])
    writer.add_tensor("output.weight", state["lm_head.weight"])

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    built = build(args.outdir, args.seed)
    print(built.folder)
    print(built.gguf)


if __name__ == "__main__":
    main()
