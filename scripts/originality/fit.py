#!/usr/bin/env python3
"""Fit Polyphony's learned originality score (ridge regression) to human ratings.

Run by hand, never at run time. Reads the alternate-uses (AUT) responses of the MIT-licensed
repository massivetexts/ocsai (data/ocsai1/finetune-gt_main2_prepared_{train,val}.jsonl) from
a folder given on the command line; files whose names contain "test" are refused, never read.
Features come from the built `polyphony` binary (`polyphony score features`), so they are
exactly what scoring computes at run time.

    python3 scripts/originality/fit.py --data DIR --polyphony .build/debug/polyphony \
        --commit <ocsai commit id> [--check]

Writes models/originality-v1.json (weights, provenance, validation figures), the Swift copy
Sources/PolyphonyScoring/Originality/OriginalityModel+Shipped.swift and the prediction
fixture Tests/PolyphonyScoringTests/Fixtures/originality-fixture.json. With --check it writes
nothing and exits 1 unless refitting reproduces the committed weights.

Needs numpy only.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL_PATH = os.path.join(REPO, "models", "originality-v1.json")
SWIFT_PATH = os.path.join(REPO, "Sources", "PolyphonyScoring", "Originality", "OriginalityModel+Shipped.swift")
FIXTURE_PATH = os.path.join(REPO, "Tests", "PolyphonyScoringTests", "Fixtures", "originality-fixture.json")
TRAIN = "finetune-gt_main2_prepared_train.jsonl"
VAL = "finetune-gt_main2_prepared_val.jsonl"
ALPHAS = [0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000]
K_CHOICES = [1, 5, 10, 20, 50, 100]
BOOTSTRAP = 10000
SEED = 20261202


def prompt_text(obj):
    """The session topic an alternate-uses prompt becomes (the prompt's embedding is a feature)."""
    return f"What are unusual, creative uses for this object: {obj}?"


def read_split(folder, name):
    if "test" in name.lower():
        sys.exit(f"refusing to read {name}: files named 'test' are reserved for independent evaluation")
    rows = []
    with open(os.path.join(folder, name), encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            head, _, rest = record["prompt"].partition("\nResponse:")
            response, _, _ = rest.rpartition("\nScore:")
            obj = head.removeprefix("AUT Prompt:").strip()
            rows.append({"object": obj, "text": response.strip(), "rating": float(record["completion"]) / 10.0})
    return rows


def features(binary, rows, work):
    source = os.path.join(work, "rows.jsonl")
    target = os.path.join(work, "features.f64")
    with open(source, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps({"text": row["text"], "prompt": prompt_text(row["object"])}) + "\n")
    subprocess.run([binary, "score", "features", source, target, "--embedder", "minilm"], check=True)
    values = np.fromfile(target, dtype="<f8")
    return values.reshape(len(rows), -1)


def fit_ridge(x, y, alpha):
    """Ridge on standardised features, unpenalised intercept; returns raw-feature weights."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-12] = 1.0
    z = (x - mean) / scale
    gram = z.T @ z + alpha * np.eye(z.shape[1])
    beta = np.linalg.solve(gram, z.T @ (y - y.mean()))
    weights = beta / scale
    intercept = y.mean() - float(weights @ mean)
    return intercept, weights


def predict(intercept, weights, x, low=1.0, high=5.0):
    return np.clip(intercept + x @ weights, low, high)


def pearson(a, b):
    return float(np.corrcoef(a, b)[0, 1])


def bootstrap_ci(a, b, rng, resamples=BOOTSTRAP, level=0.95):
    n = len(a)
    values = np.empty(resamples)
    for index in range(resamples):
        pick = rng.integers(0, n, n)
        values[index] = pearson(a[pick], b[pick])
    low, high = np.quantile(values, [(1 - level) / 2, 1 - (1 - level) / 2])
    return [round(float(low), 4), round(float(high), 4)]


def reference_novelty(queries, pool, k):
    """1 − mean cosine similarity to the k nearest pool rows (rows are unit vectors)."""
    similarities = queries @ pool.T
    k = min(k, pool.shape[0])
    top = -np.sort(-similarities, axis=1)[:, :k]
    return 1.0 - top.mean(axis=1)


def novelty_by_object(rows, embeddings, pool_rows, pool_embeddings, k, leave_self_out=False):
    result = np.empty(len(rows))
    objects = sorted({row["object"] for row in rows})
    for obj in objects:
        mine = [i for i, row in enumerate(rows) if row["object"] == obj]
        theirs = [i for i, row in enumerate(pool_rows) if row["object"] == obj]
        if leave_self_out:
            similarities = embeddings[mine] @ pool_embeddings[theirs].T
            for local, index in enumerate(mine):
                similarities[local, theirs.index(index)] = -np.inf
            kk = min(k, len(theirs) - 1)
            top = -np.sort(-similarities, axis=1)[:, :kk]
            result[mine] = 1.0 - top.mean(axis=1)
        else:
            result[mine] = reference_novelty(embeddings[mine], pool_embeddings[theirs], k)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="folder holding the ocsai1 train and val JSONL files")
    parser.add_argument("--polyphony", required=True, help="the built polyphony binary")
    parser.add_argument("--commit", required=True, help="the massivetexts/ocsai commit the files come from")
    parser.add_argument("--check", action="store_true", help="refit and compare with the committed weights; write nothing")
    args = parser.parse_args()

    train = read_split(args.data, TRAIN)
    val = read_split(args.data, VAL)
    with tempfile.TemporaryDirectory() as work:
        x_all = features(args.polyphony, train + val, work)
    x_train, x_val = x_all[: len(train)], x_all[len(train):]
    y_train = np.array([row["rating"] for row in train])
    y_val = np.array([row["rating"] for row in val])
    dimension = (x_all.shape[1] - 3) // 2

    # The ridge penalty is chosen on the validation split only.
    search = []
    for alpha in ALPHAS:
        intercept, weights = fit_ridge(x_train, y_train, alpha)
        search.append((pearson(predict(intercept, weights, x_val), y_val), alpha))
    best_r, alpha = max(search)
    intercept, weights = fit_ridge(x_train, y_train, alpha)
    val_prediction = predict(intercept, weights, x_val)
    rng = np.random.default_rng(SEED)
    val_r = pearson(val_prediction, y_val)
    val_ci = bootstrap_ci(val_prediction, y_val, rng)

    if args.check:
        committed = json.load(open(MODEL_PATH, encoding="utf-8"))
        difference = max(abs(committed["intercept"] - intercept),
                         float(np.max(np.abs(np.array(committed["weights"]) - weights))))
        ok = committed["alpha"] == alpha and difference < 1e-6
        print(f"refit: alpha {alpha}, validation r {val_r:.4f}; largest difference from the committed weights {difference:.3g}: "
              + ("reproduced" if ok else "NOT reproduced"))
        sys.exit(0 if ok else 1)

    # Leave-objects-out cross-validation on the training split: fit on every other object,
    # predict the held-out object's responses.
    objects = sorted({row["object"] for row in train})
    held_out = np.empty(len(train))
    per_object = {}
    for obj in objects:
        mask = np.array([row["object"] == obj for row in train])
        b, w = fit_ridge(x_train[~mask], y_train[~mask], alpha)
        held_out[mask] = predict(b, w, x_train[mask])
        per_object[obj] = {"n": int(mask.sum()), "r": round(pearson(held_out[mask], y_train[mask]), 4)}
    loo_r = pearson(held_out, y_train)
    loo_ci = bootstrap_ci(held_out, y_train, rng)
    object_rs = [value["r"] for value in per_object.values()]

    # Baselines for scale: length alone, prompt distance alone (both from the same features).
    length_r = pearson(x_val[:, 2 * dimension + 1], y_val)
    distance_r = pearson(1 - x_val[:, 2 * dimension], y_val)

    # Reference novelty: the pool for a validation response is the training responses to the
    # same object. k is chosen on the training split alone (each response against the others).
    e_train = x_train[:, :dimension]
    e_val = x_val[:, :dimension]
    k_sweep = {}
    for k in K_CHOICES:
        novelty = novelty_by_object(train, e_train, train, e_train, k, leave_self_out=True)
        k_sweep[str(k)] = round(pearson(novelty, y_train), 4)
    novelty_val = novelty_by_object(val, e_val, train, e_train, 20)
    novelty_r = pearson(novelty_val, y_val)
    novelty_ci = bootstrap_ci(novelty_val, y_val, rng)
    novelty_val_by_k = {str(k): round(pearson(novelty_by_object(val, e_val, train, e_train, k), y_val), 4) for k in K_CHOICES}

    today = datetime.date.today().isoformat()
    model = {
        "schema": "polyphony.originality-model/1",
        "name": "ridge-minilm-aut-v1",
        "embedder": "minilm",
        "dimension": dimension,
        "features": "unit MiniLM embedding e (d), e*p with the prompt's unit embedding p (d), cos(e,p), ln(1+words), ln(1+characters)",
        "target": "human originality rating of an alternate-uses response, 1-5 (ocsai 'completion' / 10)",
        "range": [1.0, 5.0],
        "alpha": alpha,
        "prompt_template": prompt_text("{object}"),
        "intercept": float(intercept),
        "weights": [float(value) for value in weights],
        "provenance": {
            "repository": "https://github.com/massivetexts/ocsai",
            "commit": args.commit,
            "files": ["data/ocsai1/" + TRAIN + " (fitting)", "data/ocsai1/" + VAL + " (choice of alpha)"],
            "license": "MIT (Copyright (c) 2023 DU Massive Texts Lab)",
            "date": today,
            "script": "scripts/originality/fit.py",
            "note": "files with 'test' in their names were not read",
        },
        "validation": {
            "train_responses": len(train),
            "val_responses": len(val),
            "objects": objects,
            "alpha_search_val_r": {str(a): round(r, 4) for r, a in sorted(search, key=lambda item: item[1])},
            "val_pearson_r": round(val_r, 4),
            "val_pearson_r_ci95": val_ci,
            "leave_objects_out_pooled_r": round(loo_r, 4),
            "leave_objects_out_pooled_r_ci95": loo_ci,
            "leave_objects_out_mean_object_r": round(float(np.mean(object_rs)), 4),
            "leave_objects_out_by_object": per_object,
            "val_r_log_words_only": round(length_r, 4),
            "val_r_prompt_distance_only": round(distance_r, 4),
            "reference_novelty_k20_val_r": round(novelty_r, 4),
            "reference_novelty_k20_val_r_ci95": novelty_ci,
            "reference_novelty_val_r_by_k": novelty_val_by_k,
            "reference_novelty_train_leave_self_out_r_by_k": k_sweep,
            "bootstrap": {"resamples": BOOTSTRAP, "seed": SEED, "method": "percentile, responses resampled"},
        },
    }
    text = json.dumps(model, indent=1) + "\n"
    os.makedirs(os.path.dirname(MODEL_PATH), exist_ok=True)
    with open(MODEL_PATH, "w", encoding="utf-8") as handle:
        handle.write(text)
    with open(SWIFT_PATH, "w", encoding="utf-8") as handle:
        handle.write("extension OriginalityModel {\n"
                     "    /// Generated by scripts/originality/fit.py: a copy of models/originality-v1.json.\n"
                     "    static let shippedJSON = #\"\"\"\n" + text + "\"\"\"#\n}\n")

    # The prediction fixture: hand-written ideas (not from the data set) with their features
    # and the committed model's predictions.
    fixture_ideas = [
        ("brick", "Use it as a doorstop."),
        ("brick", "Grind it into red pigment and paint a mural with it."),
        ("paperclip", "Hold papers together."),
        ("paperclip", "Bend it into a tiny antenna for a crystal radio."),
        ("bottle", "Fill it with sand and use it as a dumbbell."),
    ]
    fixture_rows = [{"object": o, "text": t} for o, t in fixture_ideas]
    with tempfile.TemporaryDirectory() as work:
        x_fixture = features(args.polyphony, fixture_rows, work)
    fixture = {
        "note": "ideas written for this fixture; features as `polyphony score features` computes them with minilm",
        "ideas": [
            {"text": t, "prompt": prompt_text(o), "features": [float(v) for v in x_fixture[i]],
             "prediction": float(predict(intercept, weights, x_fixture[i : i + 1])[0])}
            for i, (o, t) in enumerate(fixture_ideas)
        ],
    }
    os.makedirs(os.path.dirname(FIXTURE_PATH), exist_ok=True)
    with open(FIXTURE_PATH, "w", encoding="utf-8") as handle:
        json.dump(fixture, handle, indent=1)
        handle.write("\n")
    print(json.dumps(model["validation"], indent=1))


if __name__ == "__main__":
    main()
