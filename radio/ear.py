"""Writing for the ear: radio is heard once.

What a listener cannot take in (a spoken sentence over 35 words) and what a station must
never say (a reading that turns an abbreviation into a vulgar word) are measured on the
spoken form, after normalization, the way the announcer's voice will say it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

from radio.speech.normalize import Normalizer

# A spoken sentence longer than this is lost by the listener; aim for 15–20 words.
LONGEST_WORDS = 35
# Never to be heard from the station's loudspeakers, whatever produced it. Whole syllables,
# compared without regard to case (Vietnamese syllables are words).
NEVER_SAY = frozenset({
    "đếch", "đéo", "địt", "đụ", "lồn", "buồi", "cặc", "dái", "cứt", "đĩ", "đù", "lìn", "loz",
    "vãi", "đm", "vl", "cc", "đcm", "dm",
})
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class Sentence:
    written: str
    spoken: str

    @property
    def words(self) -> int:
        return len(self.spoken.split())


def spoken_sentences(text: str, normalizer: Normalizer) -> list[Sentence]:
    """Each sentence of ``text`` as it will be heard (paragraphs and line breaks end one)."""
    found = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        for written in _SENTENCE_END.split(" ".join(paragraph.split())):
            if written.strip():
                found.append(Sentence(written, normalizer(written).text))
    return found


def too_long(sentences: list[Sentence], limit: int = LONGEST_WORDS) -> list[Sentence]:
    return [s for s in sentences if s.words > limit]


def median_words(sentences: list[Sentence]) -> float:
    return median(s.words for s in sentences) if sentences else 0.0


def never_said(spoken: str) -> list[str]:
    """Words of ``spoken`` a station must never put on air."""
    return sorted({w for w in re.findall(r"\w+", spoken.lower()) if w in NEVER_SAY})
