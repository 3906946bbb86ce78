"""Starting and stopping the player daemon from outside it (the studio's operator page).

The daemon is exactly ``radio player run``: started detached in a process group of its own
(a reload or a stop of the web server never takes the station off air), its output written to
``.player/daemon.log``. Whether a player runs is what its heartbeat says (``heartbeats``, the
same files ``radio player status`` reads); a stop is SIGTERM, which the daemon answers by
ending the airing under way as cut by the shutdown and removing its heartbeat, and the stop
waits for that.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from radio.errors import RadioError
from radio.player import HEARTBEAT_DIR, heartbeats

DAEMON_LOG = "daemon.log"
START_WAIT_S = 60.0  # a cold start imports numpy, pydub and the store: seconds on a busy machine
STOP_WAIT_S = 30.0


class PlayerControlError(RadioError):
    pass


@dataclass(frozen=True)
class Started:
    pid: int
    output: str


def _here(identity: str) -> int | None:
    """The pid of a player identity ``pid@host`` on this machine, else ``None``."""
    pid, _, host = identity.partition("@")
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


def running(station_dir: Path) -> list[str]:
    """The identities of the players whose heartbeat says they run."""
    return [beat.player for beat in heartbeats(Path(station_dir)) if beat.alive]


def start(station_dir: Path, output: str, *, wait_s: float = START_WAIT_S) -> Started:
    """Start ``radio player run --output OUTPUT`` for the station, detached; refused when a
    player already runs. Returns once the new daemon's heartbeat is written, or says why
    it ended (its own words, from its log)."""
    from radio.overview import outputs

    station_dir = Path(station_dir).resolve()
    names = [name for name, _ in outputs()]
    if output not in names:
        raise PlayerControlError(f"Không có đầu ra '{output}'.", hint="chọn một trong: " + ", ".join(names) + ".")
    from radio.player.outputs import get_outputs

    reason = get_outputs([output], station_dir).unavailable_reason()
    if reason:  # said now, as `radio player run` would say it, without a daemon started for nothing
        raise PlayerControlError(f"Đầu ra '{output}' chưa dùng được: {reason}")
    already = running(station_dir)
    if already:
        raise PlayerControlError(f"Máy phát đang chạy ({', '.join(already)}); không bật thêm máy thứ hai.",
                                 hint="tắt máy phát đang chạy trước nếu muốn đổi đầu ra.")
    folder = station_dir / HEARTBEAT_DIR
    folder.mkdir(exist_ok=True)
    log = folder / DAEMON_LOG
    command = [sys.executable, "-m", "radio", "player", "run", "--station", str(station_dir), "--output", output]
    with log.open("ab") as sink:
        sink.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} bật máy phát, đầu ra {output}\n".encode())
        sink.flush()
        # Its own session: no signal meant for the web server (Ctrl-C, a restart) reaches it.
        daemon = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                                  start_new_session=True, cwd=station_dir, env=_environment())
    _reap_later(daemon)
    identity = f"{daemon.pid}@{socket.gethostname()}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if (folder / f"{identity}.json").exists():
            return Started(daemon.pid, output)
        if daemon.poll() is not None:
            raise PlayerControlError("Máy phát không khởi động được: " + _last_words(log),
                                     hint="sửa điều được báo rồi bật lại.")
        time.sleep(0.1)
    raise PlayerControlError(f"Máy phát chưa báo hoạt động sau {wait_s:.0f} giây.",
                             hint="đợi thêm rồi tải lại trang; nếu vẫn vậy, báo người quản trị máy.")


def stop(station_dir: Path, *, wait_s: float = STOP_WAIT_S) -> list[str]:
    """SIGTERM to every player of this machine that runs, then wait for their heartbeats to
    end; the identities stopped. A player of another machine is not ours to stop."""
    station_dir = Path(station_dir)
    ours = {identity: _here(identity) for identity in running(station_dir)}
    if not ours:
        raise PlayerControlError("Không có máy phát nào đang chạy.")
    elsewhere = [identity for identity, pid in ours.items() if pid is None]
    if elsewhere:
        raise PlayerControlError(f"Máy phát {', '.join(elsewhere)} chạy trên máy khác; phòng thu không tắt được.",
                                 hint="tắt nó trên chính máy đó.")
    for identity, pid in ours.items():
        if not _is_player(pid):
            raise PlayerControlError(f"Tiến trình {pid} không phải máy phát của đài; không gửi tín hiệu dừng.")
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        except PermissionError:  # a service run under another account of the machine
            raise PlayerControlError(f"Phòng thu không có quyền dừng máy phát {identity} (nó chạy dưới tài khoản "
                                     "khác của máy).", hint="dừng dịch vụ máy phát trên chính máy đó.") from None
    deadline = time.monotonic() + wait_s
    beats = station_dir / HEARTBEAT_DIR
    while time.monotonic() < deadline:
        if not any((beats / f"{identity}.json").exists() for identity in ours):
            return list(ours)
        time.sleep(0.1)
    raise PlayerControlError(f"Máy phát chưa dừng sau {wait_s:.0f} giây.",
                             hint="tải lại trang sau ít phút; nếu vẫn chạy, báo người quản trị máy.")


def _is_player(pid: int) -> bool:
    """Whether ``pid`` is a radio player (a heartbeat left behind may name a pid the system
    has since given to another program)."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc here: trust the heartbeat
    except OSError:
        return False
    return b"player" in words and b"run" in words


def _environment() -> dict:
    """The daemon imports this same ``radio`` (a checkout run in place, not only an install)."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
    return env


def _reap_later(daemon: subprocess.Popen) -> None:
    """Wait for the daemon in a thread, so once it ends it does not linger as a zombie (which
    would still answer ``kill(pid, 0)``) while the web server runs."""
    import threading

    threading.Thread(target=daemon.wait, name="radio-player-reaper", daemon=True).start()


def _last_words(log: Path) -> str:
    try:
        lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return "không đọc được nhật ký của nó."
    said = [line for line in lines[-8:] if line and not line.startswith("---")]
    return " ".join(said[-4:]) or "nó dừng ngay mà không báo gì."


__all__ = ["PlayerControlError", "Started", "running", "start", "stop"]
