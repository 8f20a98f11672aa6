#!/usr/bin/env python3
"""Regenerates Tests/PolyphonyEmbeddingsTests/Fixtures/minilm-reference.json.

The Swift MiniLM embedder is checked against two references that share no code with it:

* token ids from Hugging Face's `tokenizers` package reading the model's own tokenizer.json
  (with truncation at 256 tokens, the sentence-transformers max_seq_length, and no padding);
* sentence embeddings from a plain numpy forward pass over model.safetensors, one sentence
  at a time (no batching, no padding), with mean pooling and L2 normalisation.

Only this script needs Python; Polyphony never runs Python at run time.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install tokenizers numpy
    /tmp/venv/bin/python scripts/make-minilm-reference.py [MODEL_DIR]

MODEL_DIR defaults to $POLYPHONY_MINILM_DIR, then
${POLYPHONY_CACHE:-$HOME/.cache/polyphony}/models/all-MiniLM-L6-v2
(filled by `bash scripts/install-minilm.sh`).
"""

import json
import math
import os
import struct
import sys

import numpy as np
from tokenizers import Tokenizer

MAX_TOKENS = 256
LAYERS = 6
HEADS = 12
EPS = 1e-12

SENTENCES = [
    "",
    "Hello, world!",
    "A community garden on every rooftop in the city.",
    "Use drones to plant trees in burned forests.",
    "Offer free bus rides on days with bad air quality.",
    "Turn empty office buildings into vertical farms.",
    "A subscription service for repairing old shoes.",
    "Teach kids to code through cooking recipes.",
    "Replace plastic cutlery with edible spoons made from millet.",
    "An app that matches lonely seniors with students who need a room.",
    "What if libraries lent out tools, not just books?",
    "Cities should pay citizens 5 dollars per kilogram of recycled e-waste.",
    "The 2nd prototype cost $1,299.99 (about 40% less than v1).",
    "Call 555-0199 or email ideas@example.com before 9:30am.",
    "Version 3.14.159 ships on 2025-01-31T12:00:00Z.",
    "Numbers: 0 1 12 123 1234 12345 123456 1234567 3.5e10 -42",
    "Café, naïve, façade, résumé, jalapeño, Über, Ångström.",
    "Crème brûlée à la française, s'il vous plaît!",
    "Straße, Mädchen, Öffnungszeiten und Grüße aus Köln.",
    "İstanbul'da çay içmek güzeldir.",
    "Ελληνικά γράμματα: Σίσυφος, ΣΟΦΙΑ.",
    "Русский текст: Москва и Санкт-Петербург.",
    "日本語のテキストと漢字の混在。",
    "中文句子：我们在城市里种树。",
    "한국어 문장도 처리할 수 있나요?",
    "Mixed 中文 and English words 混合.",
    "Emoji 🚀 rockets 🌱 and 👩‍🔬 scientists.",
    "Math symbols: x² + y² = z², ∑ ∫ √2 ≈ 1.414, π > 3.",
    "Quotes “curly” ‘single’ «guillemets» and „German“ ones.",
    "Dashes – en — em ‒ figure and ellipsis… here.",
    "Tabs\tand\nnewlines\r\nand   multiple    spaces.",
    "Non\u00a0breaking\u2003spaces\u2009and\u200bzero width.",
    "Control\u0007chars\u0000and\ufffdreplacement.",
    "Soft\u00adhyphen and e\u0301 combining accent.",
    "ALL CAPS SHOUTING ABOUT SOLAR PANELS!!!",
    "camelCaseIdentifiers and snake_case_names and kebab-case-words",
    "https://example.org/path?query=1&other=two#fragment",
    "<html><body class=\"x\">Tags & entities &amp; stuff</body></html>",
    "(((nested))) [[brackets]] {{braces}} <<angles>>",
    "!!!???...,,,;;;:::",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "Pneumonoultramicroscopicsilicovolcanoconiosis is a lung disease.",
    "xyzzy qwxz zzzzzzzzzzz grblfnork",
    "a" * 101 + " is too long for one word",
    "b" * 100 + " is exactly at the limit",
    "The [MASK] token and [CLS] or [SEP] written literally.",
    "lowercase [mask] is not special",
    "It's a dog's life; they're sure you'll agree we'd go.",
    "rock'n'roll, o'clock, ma'am, y'all",
    "A gift card that can only be spent at local independent shops.",
    "Gamify composting: neighbourhoods compete for the richest soil.",
    "Solar-powered charging benches in every public park.",
    "A library of things: borrow a drill, a tent, or a sewing machine.",
    "Public fridges where restaurants leave unsold food at closing time.",
    "Pay people to walk children to school in groups (a walking bus).",
    "Turn parking lots into night markets on weekends.",
    " leading and trailing spaces ",
    "word",
    "UPPER lower MiXeD",
    " ".join(["Repeat this idea about urban farming and shared kitchens."] * 40),
    " ".join(f"token{i}" for i in range(300)),
]


def model_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("POLYPHONY_MINILM_DIR"):
        return os.environ["POLYPHONY_MINILM_DIR"]
    cache = os.environ.get("POLYPHONY_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "polyphony")
    return os.path.join(cache, "models", "all-MiniLM-L6-v2")


def load_safetensors(path):
    """Reads every F32 tensor; parsing the header here keeps the reference free of the Swift reader's logic."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[base + begin : base + end], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    return tensors


def layer_norm(x, w, b):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def embed(ids, t):
    """A float64 BERT forward pass for one unpadded sequence, then mean pooling and L2 norm."""
    n = len(ids)
    x = t["embeddings.word_embeddings.weight"][ids]
    x = x + t["embeddings.position_embeddings.weight"][:n] + t["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
    hidden = x.shape[1]
    head = hidden // HEADS
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        lin = lambda v, name: v @ t[p + name + ".weight"].T + t[p + name + ".bias"]
        q = lin(x, "attention.self.query").reshape(n, HEADS, head).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(n, HEADS, head).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(n, HEADS, head).transpose(1, 0, 2)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores = scores / scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(n, hidden)
        x = layer_norm(lin(context, "attention.output.dense") + x, t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"])
        h = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(lin(h, "output.dense") + x, t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"])
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def main():
    folder = model_dir()
    tokenizer = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tensors = load_safetensors(os.path.join(folder, "model.safetensors"))
    cases = []
    for text in SENTENCES:
        ids = tokenizer.encode(text).ids
        vector = embed(ids, tensors)
        cases.append({"text": text, "ids": ids, "embedding": [round(float(v), 7) for v in vector]})
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "PolyphonyEmbeddingsTests", "Fixtures", "minilm-reference.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"model": "all-MiniLM-L6-v2", "maxTokens": MAX_TOKENS, "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
