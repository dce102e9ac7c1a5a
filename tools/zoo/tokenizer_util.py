"""Byte-level BPE tokenizers for the zoo, trained with the `tokenizers` library, and their files.

A zoo tokenizer is a `tokenizers.Tokenizer` saved as tokenizer.json next to a small
tokenizer_config.json (written here, so the files do not depend on transformers' tokenizer
classes). Special tokens come first (ids 0..2); appended vocabulary uses added tokens.
"""
import json
import os

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
EOS_ID = 0


def train_bpe(texts, vocab_size, min_frequency=2):
    """Deterministic for a given text list (the trainer is single-pass and sorts ties)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                  special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def extend(tok, words):
    """Appends `words` as new (non-special) tokens after the current vocabulary; returns a copy."""
    ext = Tokenizer.from_str(tok.to_str())
    ext.add_tokens([AddedToken(w, normalized=False) for w in words])
    return ext


def save(tok, folder):
    os.makedirs(folder, exist_ok=True)
    tok.save(os.path.join(folder, "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": SPECIALS[0],
        "eos_token": SPECIALS[0],
        "pad_token": SPECIALS[0],
        "unk_token": None,
        "model_max_length": 1024,
        "clean_up_tokenization_spaces": False,
        "chat_template": ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
                          "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}"
                          "<|im_start|>assistant\n{% endif %}"),
    }
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")


def load(folder):
    return Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))


def encode_stream(tok, docs):
    """One id list: every document followed by <|endoftext|>."""
    ids = []
    for enc in tok.encode_batch(docs, add_special_tokens=False):
        ids.extend(enc.ids)
        ids.append(EOS_ID)
    return ids
