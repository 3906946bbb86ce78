"""The phrase book: real CCHC phrases and their spoken form; at least 98 % exact."""
import glob
import re
from pathlib import Path

import yaml

from radio.speech.normalize import Normalizer

PHRASES = yaml.safe_load((Path(__file__).parent / "data" / "normalize_phrases.yaml")
                         .read_text(encoding="utf-8"))
PAIRS = [pair for group in PHRASES.values() for pair in group]
UNREAD = re.compile(r"\d|[%@/]|\S:\S")
SEEDS = sorted(glob.glob(str(Path(__file__).resolve().parents[2] / "shared" / "seeds" / "*.txt")))


def test_the_phrase_book_is_large_and_nearly_all_exact():
    normalizer = Normalizer()
    misses = [(w, s, normalizer(w).text) for w, s in PAIRS if normalizer(w).text != s]
    assert len(PAIRS) >= 700
    assert len(misses) <= 0.02 * len(PAIRS), misses


def test_every_phrase_is_written_once():
    written = [w for w, _ in PAIRS]
    assert len(set(written)) == len(written)


def test_no_digit_or_symbol_is_left_unread_in_the_phrase_book():
    normalizer = Normalizer()
    for written, _ in PAIRS:
        assert not UNREAD.search(normalizer(written).text), written


def test_no_digit_or_symbol_is_left_unread_in_the_seed_plans():
    if not SEEDS:
        import pytest
        pytest.skip("shared/seeds is not beside this checkout")
    normalizer = Normalizer()
    for path in SEEDS:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            spoken = normalizer(line).text
            assert not UNREAD.search(spoken), (path, line, spoken)
