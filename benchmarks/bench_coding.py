"""Throughput of the rule coder on the bundled example study.

Prints words per second of ``sysreview.code`` and, as a baseline measured in
the same process, of the bare spaCy pipeline it runs on (tokeniser,
sentencizer, lookup lemmatizer). Shared machines are noisy: compare the
ratio, not the seconds. Run with ``make bench``.
"""

from __future__ import annotations

import statistics
import time

import sysreview
from sysreview.coding import RuleCoder, default_nlp


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    corpus = sysreview.datasets.load_example()
    texts = corpus.segments["text"].tolist()
    words = corpus.n_words()
    nlp = default_nlp()
    coder = RuleCoder()
    coder.code(corpus.segments.head(5))  # compile the codebook outside the timing
    baseline = best_of(lambda: list(nlp.pipe(texts, batch_size=64)))
    coding = best_of(lambda: coder.code(corpus, progress=False))
    end_to_end = best_of(
        lambda: sysreview.code(sysreview.datasets.load_example(), progress=False), repeat=1
    )
    print(f"example study: {len(corpus.documents)} documents, {len(texts)} segments, {words} words")
    print(f"spaCy pipeline alone : {words / baseline:10,.0f} words/s  ({baseline:.2f} s)")
    print(f"rule coder           : {words / coding:10,.0f} words/s  ({coding:.2f} s)")
    print(f"load + code (end to end): {words / end_to_end:7,.0f} words/s  ({end_to_end:.2f} s)")
    print(f"ratio coder / pipeline time: {coding / baseline:.2f}")
    lengths = [len(t.split()) for t in texts]
    print(f"segment length: median {statistics.median(lengths):.0f} words, max {max(lengths)}")


if __name__ == "__main__":
    main()
