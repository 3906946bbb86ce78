"""What production asks of glibc's allocator, so a programme's memory stays what it holds.

Both are glibc's own calls, made through ctypes; with another C library they do nothing.
"""
from __future__ import annotations

import ctypes
import functools

_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
# Production's threads (speech, mixing, the codec probe, compression, LAME, the file's
# meter) each got a heap of their own from glibc (up to eight per core), every one keeping
# the freed temporaries of its thread: 192 MiB at the sample's peak against 175 MiB with two
# heaps in all, at the same speed (measured over six rounds each).
_ARENAS = 2


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def share_heaps() -> None:
    """Have this process's threads share two heaps; call before they start."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(_M_ARENA_MAX, _ARENAS)


def return_freed() -> None:
    """glibc keeps freed blocks of a few hundred kilobytes (a clip each) for reuse and does not
    give them back by itself: 40 MB of the sample programme's speech stayed with the process
    through mastering."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
