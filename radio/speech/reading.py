"""A person's reading held against the approved script: which sentences are missing, which
were added, which were misread.

The recognizer (`viet-asr`, the `listen` extra) hears the recording one utterance at a time:
the reading is cut at its pauses, as a reader breathes between sentences. Utterances are
then matched to the segment's sentences in order by dynamic programming: a sentence may take
one to four utterances (a reader pausing at commas) or share one with its neighbours (a reader
running sentences together), or take none (missing); an utterance may belong to no sentence
(added). A match costs what the recognizer's transcript differs from the sentence (character
error rate, tone marks aside) plus how far its length is from the sentence's syllables at the
reader's own pace, so even a recognizer that misses half the characters of synthetic speech
puts a sentence left out in the right place. Transcripts are cached by the recording's hash.
"""
from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from radio.fileio import write_text
from radio.speech.listen import FLAG_CER, PAD_S, RATE, Recognizer, comparable, error_rates

FRAME_S = 0.02
# A pause at least this long ends an utterance (readers pause 0.4–0.8 s between sentences,
# about 0.2 s at a comma); bursts shorter than MIN_UTTERANCE_S are clicks, not words.
PAUSE_S = 0.3
MIN_UTTERANCE_S = 0.15
SPEECH_BELOW_PEAK_DB = 30.0
# What a sentence left unmatched, or an utterance matched to nothing, costs per character:
# above the cost of the recognizer's worst honest hearing of a sentence (CER near 0.6 for
# synthetic speech), below that of pairing a sentence with the wrong utterance. Words added
# cost less than the insertions they would be inside a sentence's match, so an aside between
# two sentences is named as added rather than blamed on its neighbour. (Measured on 34
# readings of the sample month with one sentence left out: 33 named it, none added words.)
MISSING_COST = 0.85
ADDED_COST = 0.7
TIMING_WEIGHT = 1.0
_GROUPS = ((1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (3, 1))


@dataclass(frozen=True)
class Utterance:
    start_s: float
    end_s: float
    heard: str

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s


@dataclass
class SentenceCheck:
    written: str
    spoken: str
    status: str  # "ok" | "misread" | "missing"
    heard: str = ""
    cer: float | None = None
    ser: float | None = None  # syllable error rate
    #: Read in one breath with the sentence before it (their error rate is shared).
    joined: bool = False


@dataclass
class ReadingCheck:
    sentences: list[SentenceCheck]
    added: list[Utterance] = field(default_factory=list)

    @property
    def missing(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if s.status == "missing"]

    @property
    def misread(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if s.status == "misread"]


def utterance_spans(samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """Where the reader speaks, cut at pauses of PAUSE_S or more (seconds)."""
    hop = max(1, int(rate * FRAME_S))
    frames = samples.size // hop
    if frames == 0:
        return []
    power = (samples[:frames * hop].astype(np.float64).reshape(frames, hop) ** 2).mean(axis=1)
    level = 10 * np.log10(power + 1e-12)
    speech = level > max(float(np.percentile(level, 95)) - SPEECH_BELOW_PEAK_DB, -60.0)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], speech.astype(np.int8), [0]])))
    spans: list[list[int]] = []
    for begin, end in zip(edges[::2], edges[1::2]):
        if spans and (begin - spans[-1][1]) * FRAME_S < PAUSE_S:
            spans[-1][1] = end
        else:
            spans.append([begin, end])
    return [(b * FRAME_S, e * FRAME_S) for b, e in spans if (e - b) * FRAME_S >= MIN_UTTERANCE_S]


def cached_utterances(path: Path, recognizer_version: str | None = None) -> list[Utterance] | None:
    """What a recognizer (this version, or any) heard in a recording, if it was kept."""
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if recognizer_version is None or cached.get("recognizer") == recognizer_version:
            return [Utterance(**u) for u in cached["utterances"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def hear_utterances(samples: np.ndarray, rate: int, recognizer: Recognizer, path: Path) -> list[Utterance]:
    """What the recognizer hears in each utterance of a recording, kept in ``path``."""
    from radio.speech.listen import resample

    cached = cached_utterances(path, recognizer.version())
    if cached is not None:
        return cached
    listening = resample(np.ascontiguousarray(samples, dtype=np.float32), rate)
    pad = np.zeros(int(PAD_S * RATE), dtype=np.float32)
    heard = []
    for start, end in utterance_spans(listening, RATE):
        piece = listening[int(start * RATE):int(end * RATE)]
        heard.append(Utterance(round(start, 2), round(end, 2),
                               recognizer.transcribe(np.concatenate([pad, piece, pad]))))
    write_text(path, json.dumps({"recognizer": recognizer.version(),
                                 "utterances": [asdict(u) for u in heard]}, ensure_ascii=False))
    return heard


def _toneless(text: str) -> str:
    """Letters without tone and vowel marks: a recognizer unsure of a tone still heard the word."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _distance(reference: str, heard: str) -> float:
    import jiwer

    reference, heard = _toneless(reference), _toneless(heard)
    if not reference or not heard:
        return 1.0
    # Not capped at 1: words heard beyond the sentence's own cost what they would as added.
    return jiwer.cer(reference, heard)


def _syllables(text: str) -> int:
    return len(text.split())


def check_reading(sentences: list[tuple[str, str]], utterances: list[Utterance]) -> ReadingCheck:
    """``sentences``: (written, spoken) of the segment, in order; ``utterances``: what was heard."""
    spoken = [comparable(s) for _, s in sentences]
    heard = [comparable(u.heard) for u in utterances]
    seconds = [u.seconds for u in utterances]
    speaking = sum(seconds)
    pace = sum(map(_syllables, spoken)) / speaking if speaking else 1.0  # syllables a second
    steps = _align(spoken, heard, seconds, pace)
    # Again at the reader's pace as the matched sentences show it: words left out or added
    # made the first guess (everything said over everything heard) too fast or too slow.
    matched = [(sum(map(_syllables, spoken[i:i + a])), sum(seconds[j:j + b])) for i, j, (a, b) in steps if a and b]
    if matched and sum(t for _, t in matched) > 0:
        pace = sum(n for n, _ in matched) / sum(t for _, t in matched)
        steps = _align(spoken, heard, seconds, pace)
    steps = _paired_gaps(steps, spoken, utterances, pace)
    checks = [SentenceCheck(w, s, "missing") for w, s in sentences]
    added = []
    for i, j, (a, b) in steps:
        if a and b:
            reference = " ".join(spoken[i:i + a])
            hearing = " ".join(heard[j:j + b])
            cer, ser = error_rates(reference, hearing)
            for k in range(i, i + a):
                checks[k].status = "misread" if cer >= FLAG_CER else "ok"
                checks[k].heard, checks[k].cer, checks[k].ser = hearing, round(cer, 3), round(ser, 3)
                checks[k].joined = k > i
        elif b:
            added.append(utterances[j])
    return ReadingCheck(checks, added)


def _paired_gaps(steps: list, spoken: list[str], utterances: list[Utterance], pace: float) -> list:
    """A sentence left unmatched next to an utterance left unmatched, of about its length, was
    read but not understood (a recognizer's bad moment, a name it does not know): misread, not
    missing plus added."""
    out, gap = [], []

    def flush() -> None:
        missing = [step for step in gap if step[2] == (1, 0)]
        extra = [step for step in gap if step[2] == (0, 1)]
        for sentence, utterance in zip(missing, extra):
            expected = max(0.2, _syllables(spoken[sentence[0]]) / pace)
            if 0.4 <= utterances[utterance[1]].seconds / expected <= 2.5:
                gap.remove(sentence)
                gap[gap.index(utterance)] = (sentence[0], utterance[1], (1, 1))
        out.extend(sorted(gap, key=lambda step: (step[0], step[1])))
        gap.clear()

    for step in steps:
        if step[2] in ((1, 0), (0, 1)):
            gap.append(step)
        else:
            flush()
            out.append(step)
    flush()
    return out


def _align(spoken: list[str], heard: list[str], seconds: list[float],
           pace: float) -> list[tuple[int, int, tuple[int, int]]]:
    """The cheapest ordered matching: steps (sentence, utterance, (sentences, utterances))."""
    n, m = len(spoken), len(heard)
    cost = np.full((n + 1, m + 1), np.inf)
    cost[0, 0] = 0.0
    back: dict[tuple[int, int], tuple[int, int, tuple[int, int]]] = {}

    def offer(i: int, j: int, step: tuple[int, int], price: float) -> None:
        a, b = step
        if price < cost[i + a, j + b]:
            cost[i + a, j + b] = price
            back[(i + a, j + b)] = (i, j, step)

    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i, j]
            if not np.isfinite(here):
                continue
            if i < n:
                offer(i, j, (1, 0), here + MISSING_COST * max(1, len(spoken[i])))
            if j < m:
                offer(i, j, (0, 1), here + ADDED_COST * max(1, len(heard[j])))
            for a, b in _GROUPS:
                if i + a <= n and j + b <= m:
                    reference = " ".join(spoken[i:i + a])
                    expected = max(0.2, _syllables(reference) / pace)
                    timing = min(1.0, abs(math.log(max(1e-3, sum(seconds[j:j + b])) / expected)))
                    price = len(reference) * (_distance(reference, " ".join(heard[j:j + b]))
                                              + TIMING_WEIGHT * timing)
                    offer(i, j, (a, b), here + price)
    steps = []
    at = (n, m)
    while at != (0, 0):
        i, j, step = back[at]
        steps.append((i, j, step))
        at = (i, j)
    return steps[::-1]
