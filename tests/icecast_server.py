"""A real Icecast server (Debian's icecast2) on loopback, with a generated configuration,
and an independent listener: ffmpeg reading the mount, its decoded samples timestamped as
they arrive."""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.fixtures import free_port

import numpy as np

from radio.audio.ffmpeg import ffmpeg_exe

ICECAST = shutil.which("icecast2") or shutil.which("icecast")
SOURCE_PASSWORD = "bi-mat-nguon-7Qx9"
LISTEN_RATE = 44100

_CONFIG = """<icecast>
  <location>loopback</location><admin>test@localhost</admin>
  <limits><sources>4</sources><burst-size>0</burst-size><source-timeout>10</source-timeout></limits>
  <authentication><source-password>{password}</source-password>
    <admin-user>admin</admin-user><admin-password>{password}-admin</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{logs}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>{owner}</security>
</icecast>
"""


class IcecastServer:
    def __init__(self) -> None:
        self.port = free_port()
        # Icecast refuses to run as root; it then drops to nobody, who must reach and write
        # its log folder (pytest's temporary folders are private to their owner).
        owner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>" if os.getuid() == 0 else ""
        self.folder = folder = Path(tempfile.mkdtemp(prefix="radio-icecast-"))
        os.chmod(folder, 0o777)
        self.config = folder / "icecast.xml"
        self._owner = owner
        self._write_config()
        self.process: subprocess.Popen | None = None

    def _write_config(self) -> None:
        self.config.write_text(_CONFIG.format(password=SOURCE_PASSWORD, port=self.port, logs=self.folder,
                                              owner=self._owner), encoding="utf-8")

    def start(self) -> None:
        """Started and answering; a free port another worker took in the meantime (icecast
        then exits) is traded for a new one, and a loaded machine gets time to answer."""
        for _ in range(3):
            self.process = subprocess.Popen([ICECAST, "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
            deadline = time.time() + 30
            while time.time() < deadline and self.process.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/status-json.xsl", timeout=1):
                        return
                except OSError:
                    time.sleep(0.05)
            if self.process.poll() is None:
                self.stop()  # running but never answering: say so below
                break
            self.port = free_port()
            self._write_config()
        raise RuntimeError(f"icecast did not start: {self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def url(self, mount: str) -> str:
        return f"http://127.0.0.1:{self.port}{mount}"

    def section(self, mount: str, **extra) -> str:
        """The station.yaml section that points the icecast output here."""
        lines = ["icecast:", "  host: 127.0.0.1", f"  port: {self.port}", f"  mount: {mount}",
                 f"  password: {SOURCE_PASSWORD}", *(f"  {k}: {v}" for k, v in extra.items())]
        return "\n".join(lines) + "\n"


class Listener:
    """ffmpeg decoding the mount to mono PCM; each chunk's arrival time is kept, so a sample
    can be dated on the wall clock."""

    def __init__(self, url: str) -> None:
        self.process = subprocess.Popen(
            [ffmpeg_exe(), "-v", "error", "-nostdin", "-fflags", "nobuffer", "-i", url, "-f", "s16le",
             "-ac", "1", "-ar", str(LISTEN_RATE), "-flush_packets", "1", "pipe:1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.chunks: list[tuple[float, bytes]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            chunk = self.process.stdout.read1(4096)
            if not chunk:
                return
            self.chunks.append((time.time(), chunk))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.reader.join(timeout=5)

    def samples(self) -> np.ndarray:
        data = b"".join(chunk for _, chunk in self.chunks)
        return np.frombuffer(data[:len(data) // 2 * 2], dtype=np.int16).astype(np.float32) / 32768

    def arrival(self, sample: int) -> float:
        """Wall time at which ``sample`` reached the listener."""
        total = 0
        for at, chunk in self.chunks:
            total += len(chunk)
            if total > sample * 2:
                return at
        raise IndexError(sample)


class RawListener:
    """The mount's bytes as they come, with no decoder in between (no ICY metadata asked)."""

    def __init__(self, url: str) -> None:
        self.data = bytearray()
        self.response = urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=10)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        try:
            while chunk := self.response.read1(8192):
                self.data += chunk
        except (OSError, ValueError):
            return

    def stop(self) -> bytes:
        self.response.close()
        self.reader.join(timeout=5)
        return bytes(self.data)


def sounding(samples: np.ndarray, threshold: float = 0.01) -> tuple[int, int]:
    """First and last sample louder than ``threshold`` (−40 dBFS)."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return int(loud[0]), int(loud[-1])
