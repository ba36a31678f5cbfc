#!/usr/bin/env python3
"""What the fastText CLI reaches on the store-issue data: the peer column of bench_classify.

Normalizes the texts exactly as rflow's classifier does (normalize() below),
splits them 90/10 stratified with a fixed seed, trains `fasttext supervised`
(one thread by default: the machine is shared, and one thread makes fastText
reproducible) and reads P@1 from `fasttext test`. P@1 with one label per row
is accuracy.

    # the training and validation files, normalized, in DIR
    python3 bench/classify/fasttext_cli.py split examples/data/store_issues.csv DIR
    # one configuration (options after -- go to fasttext supervised)
    python3 bench/classify/fasttext_cli.py run DIR -- -epoch 25 -lr 0.5 -wordNgrams 2
    # a grid, one JSON line per configuration, best first (every axis takes a list)
    python3 bench/classify/fasttext_cli.py grid DIR --epoch 5,10,25,50 --lr 0.1,0.5,1.0 \
        --wordNgrams 1,2,3 --dim 50 --minmaxn 0/0 --out grid.jsonl
    # quantized size of the best configuration
    python3 bench/classify/fasttext_cli.py quantize --q "-qnorm -retrain -cutoff 100000" DIR -- -epoch 25 ...

Python standard library only; `fasttext` is found on PATH (Debian's package).
"""

import argparse
import csv
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

FASTTEXT = shutil.which("fasttext") or "fasttext"

# NUL too: fastText splits words on it, so rflow treats it as whitespace.
_WS = " \t\n\v\f\r\0"


def normalize(text):
    """rflow's classifier normalization, byte for byte.

    ASCII letters lower-cased; every other byte kept, except that each ASCII
    punctuation character becomes a token of its own and ASCII whitespace runs
    become one space; trimmed. "Freezer in AISLE 4 is warm,  dripping!!" ->
    "freezer in aisle 4 is warm , dripping ! !".
    """
    out = []
    for ch in text:
        o = ord(ch)
        if 65 <= o <= 90:
            out.append(chr(o + 32))
        elif 33 <= o <= 126 and not ch.isalnum():
            out.append(" " + ch + " ")
        elif ch in _WS:
            out.append(" ")
        else:
            out.append(ch)
    return " ".join(t for t in "".join(out).split(" ") if t)


def read_examples(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != ["text", "label"]:
        sys.exit(f"{path}: expected a header text,label")
    return [(r[0], r[1]) for r in rows[1:]]


def stratified_split(examples, share=0.1, seed=7):
    """Per label, a seeded shuffle; the first round(n * share) rows validate."""
    by_label = {}
    for i, (_, label) in enumerate(examples):
        by_label.setdefault(label, []).append(i)
    rng = random.Random(seed)
    train, valid = [], []
    for label in sorted(by_label):
        idx = by_label[label][:]
        rng.shuffle(idx)
        k = max(1, round(len(idx) * share))
        valid += idx[:k]
        train += idx[k:]
    train.sort()
    valid.sort()
    return [examples[i] for i in train], [examples[i] for i in valid]


def write_fasttext(path, examples):
    with open(path, "w", encoding="utf-8") as f:
        for text, label in examples:
            f.write(f"__label__{label} {normalize(text)}\n")


def cmd_split(args):
    examples = read_examples(args.csv)
    train, valid = stratified_split(examples, args.share, args.seed)
    os.makedirs(args.dir, exist_ok=True)
    write_fasttext(os.path.join(args.dir, "train.txt"), train)
    write_fasttext(os.path.join(args.dir, "valid.txt"), valid)
    print(f"{len(train)} training, {len(valid)} validation rows in {args.dir}")


def supervised(d, options, out, threads):
    """Trains; returns wall seconds of `fasttext supervised` (including writing the .bin)."""
    cmd = [FASTTEXT, "supervised", "-input", os.path.join(d, "train.txt"), "-output", out,
           "-thread", str(threads), "-verbose", "0"] + options
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def test(d, model):
    out = subprocess.run([FASTTEXT, "test", model, os.path.join(d, "valid.txt")], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"P@1\s+([0-9.]+)", out)
    return float(m.group(1))


def run_one(d, options, threads, keep=None):
    work = tempfile.mkdtemp(prefix="ft_")
    try:
        out = os.path.join(work, "m")
        secs = supervised(d, options, out, threads)
        acc = test(d, out + ".bin")
        size = os.path.getsize(out + ".bin")
        if keep:
            shutil.copy(out + ".bin", keep)
        return {"options": " ".join(options), "accuracy": acc, "seconds": round(secs, 3),
                "bin_bytes": size}
    finally:
        shutil.rmtree(work)


def cmd_run(args):
    r = run_one(args.dir, args.options, args.thread)
    print(json.dumps(r))


# The brief's grid is epoch {5,10,25,50} x lr {0.1,0.5,1.0} x wordNgrams {1,2,3} x dim
# {20,50,100} x minn/maxn {0/0,2/4,3/6} x bucket: 648 runs, too many for a shared 2-core
# machine. Each option takes a comma list (default: the full range), so the search can
# go in stages: the first three with dim and subwords fixed, then dim x subwords around
# the best, then the bucket (NOTES.md has the stages).
AXES = [("epoch", "5,10,25,50"), ("lr", "0.1,0.5,1.0"), ("wordNgrams", "1,2,3"),
        ("dim", "20,50,100"), ("minmaxn", "0/0,2/4,3/6"), ("bucket", "200000")]


def cmd_grid(args):
    results = []
    combos = list(itertools.product(*(getattr(args, name).split(",") for name, _ in AXES)))
    for n, (epoch, lr, ngrams, dim, minmax, bucket) in enumerate(combos, 1):
        minn, maxn = minmax.split("/")
        options = ["-epoch", epoch, "-lr", lr, "-wordNgrams", ngrams, "-dim", dim,
                   "-minn", minn, "-maxn", maxn, "-bucket", bucket]
        r = run_one(args.dir, options, args.thread)
        results.append(r)
        print(f"[{n}/{len(combos)}] {r['accuracy']:.4f} {r['seconds']:7.2f}s {r['options']}",
              file=sys.stderr, flush=True)
    results.sort(key=lambda r: (-r["accuracy"], r["seconds"]))
    with open(args.out, "w") if args.out else sys.stdout as f:
        for r in results:
            f.write(json.dumps(r) + "\n")


def cmd_quantize(args):
    work = tempfile.mkdtemp(prefix="ftq_")
    try:
        out = os.path.join(work, "m")
        secs = supervised(args.dir, args.options, out, args.thread)
        acc = test(args.dir, out + ".bin")
        result = {"options": " ".join(args.options), "accuracy": acc, "seconds": round(secs, 3),
                  "bin_bytes": os.path.getsize(out + ".bin"), "quantized": []}
        for q in args.qopts:
            qopts = q.split()
            # quantize reads <out>.bin and the training file (for -retrain), writes <out>.ftz
            cmd = [FASTTEXT, "quantize", "-output", out, "-input",
                   os.path.join(args.dir, "train.txt"), "-thread", str(args.thread)] + qopts
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            qsecs = time.perf_counter() - t0
            result["quantized"].append({"options": q, "ftz_bytes": os.path.getsize(out + ".ftz"),
                                        "accuracy": test(args.dir, out + ".ftz"),
                                        "seconds": round(qsecs, 3)})
        print(json.dumps(result, indent=1))
    finally:
        shutil.rmtree(work)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("split")
    s.add_argument("csv")
    s.add_argument("dir")
    s.add_argument("--share", type=float, default=0.1)
    s.add_argument("--seed", type=int, default=7)
    for name in ("run", "grid", "quantize"):
        s = sub.add_parser(name)
        s.add_argument("dir")
        s.add_argument("--thread", type=int, default=1)
        if name == "grid":
            for axis, default in AXES:
                s.add_argument("--" + axis, default=default)
            s.add_argument("--out")
        else:
            s.add_argument("options", nargs=argparse.REMAINDER)
        if name == "quantize":
            s.add_argument("--q", dest="qopts", action="append",
                           default=[], help="quantize options, e.g. '-qnorm -retrain -cutoff 100000'")
    args = p.parse_args()
    if hasattr(args, "options") and args.options[:1] == ["--"]:
        args.options = args.options[1:]
    {"split": cmd_split, "run": cmd_run, "grid": cmd_grid, "quantize": cmd_quantize}[args.cmd](args)


if __name__ == "__main__":
    main()
