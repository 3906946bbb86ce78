"""Cold production of the sample programme against its floor, measured side by side.

Run with: .venv/bin/python benchmarks/bench_floor.py

The floor is the least any tool must do to turn the sample month's script into an MP3 with
eSpeak NG's voices and know its loudness:

1. eSpeak NG reads the programme's spoken text: every sentence radio would send it, already
   normalized (dates, numbers and abbreviations written out by radio's normalizer, untimed),
   with the same voice, pitch, range, word gap, comma pauses and words per minute. It runs
   as a process of its own through the library and data of the espeakng-loader wheel (the
   ones radio uses; the wheel ships no `espeak-ng` command, so a bare Python host calls
   `espeak_Synth` through ctypes, no numpy), one sentence after another, since radio's
   offline engine is allowed one call at a time (`OfflineEngine.parallel` = 1), writing
   16-bit PCM to a WAV file as eSpeak hands it over.
2. One ffmpeg pass (imageio-ffmpeg's binary): it decodes that WAV padded with silence to the
   length of the programme radio made, resamples it to the programme's rate, measures it with
   `ebur128=peak=true` and encodes it with LAME at the station's bitrate and radio's quality
   (`-compression_level 7`).

The floor mixes no music, masters nothing and encodes once; what radio spends beyond it is
the price of the programme's shape (kit, beds, levels), its loudness and true peak, and its
own start-up. Radio runs as `radio produce` in a copy of the sample station with an empty
clip cache and a fresh RADIO_CACHE_DIR.

Each process is waited for with os.wait4, which gives its own CPU time (its reaped children
included: radio's LAME and ffmpeg processes) and its peak resident set (the largest single
process of its tree, as getrusage's ru_maxrss counts it). The floor's wall and CPU times are
the sums of its two steps, its peak the larger of the two. Radio and the floor run in turns,
three rounds, and the medians are compared: on a shared machine the same floor took 3.3 s in
one minute and 4.9 s in another.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_WALL_RATIO = 1.3
TARGET_PEAK_MB = 200.0


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_mb: float

    def __add__(self, other: "Run") -> "Run":
        return Run(self.wall_s + other.wall_s, self.cpu_s + other.cpu_s,
                   max(self.peak_mb, other.peak_mb))


def timed(command: list[str], cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run a process to its end; its wall time, CPU time and peak memory."""
    with tempfile.TemporaryFile() as errors:
        began = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                   stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{command[:4]} failed ({process.returncode}):\n"
                             f"{errors.read().decode('utf-8', 'replace')[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def radio_env(cache: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), RADIO_CACHE_DIR=str(cache))
    return env


# ---------------------------------------------------------------------------- the floor
def spoken_jobs(station_dir: Path, month: str) -> list[dict]:
    """Every sentence eSpeak reads in radio's production, with the settings it reads it by."""
    from radio.config import load_model
    from radio.models import Script
    from radio.speech.engines.offline import _BASE_WPM, OfflineEngine, _with_comma_breaks
    from radio.speech.normalize import station_normalizer
    from radio.speech.synthesize import split_sentences
    from radio.station import load_station

    station = load_station(station_dir)
    script = load_model(station_dir / "scripts" / f"{month}.yaml", Script)
    normalizer = station_normalizer(station, station_dir)
    engine = OfflineEngine(station.speech, station_dir)
    jobs = []
    for segment in script.segments:
        announcer = station.announcer(segment.voice)
        if announcer.engine != "offline":
            raise SystemExit(f"announcer {announcer.id} does not use the offline engine")
        style = engine.style(announcer.voice)
        for written, _ in split_sentences(segment.text, engine.max_chars):
            text = normalizer(written).text
            ssml = style.comma_pause_ms is not None
            jobs.append({"text": _with_comma_breaks(text, style.comma_pause_ms) if ssml else text,
                         "ssml": ssml, "voice": style.voice, "pitch": style.pitch,
                         "range": style.range, "word_gap": round(style.word_gap_ms / 10),
                         "wpm": round(_BASE_WPM * announcer.speed)})
    return jobs


def speak(jobs_path: Path, wav_path: Path) -> None:
    """The floor's first step, in its own process: eSpeak NG reads every sentence into a WAV."""
    import ctypes
    import wave

    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    rate = lib.espeak_Initialize(2, 0, espeakng_loader.get_data_path().encode(), 0)  # synchronous
    out = wave.open(str(wav_path), "wb")
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(rate)

    @ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
    def collect(samples, count, _events):
        if count > 0:
            out.writeframesraw(ctypes.string_at(samples, count * 2))
        return 0

    lib.espeak_SetSynthCallback(collect)
    for job in json.loads(jobs_path.read_text(encoding="utf-8")):
        lib.espeak_SetVoiceByName(job["voice"].encode())
        for parameter, value in ((1, job["wpm"]), (3, job["pitch"]), (4, job["range"]),
                                 (7, job["word_gap"])):
            lib.espeak_SetParameter(parameter, value, 0)
        data = job["text"].encode("utf-8")
        flags = 1 | (0x10 if job["ssml"] else 0)  # UTF-8, SSML
        if lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, flags, None, None) != 0:
            raise SystemExit("espeak_Synth failed")
    out.close()


def ffmpeg_pass(wav: Path, mp3: Path, duration_s: float, rate: int, bitrate_kbps: int) -> list[str]:
    from radio.audio.export import _LAME_QUALITY
    from radio.audio.ffmpeg import ffmpeg_exe

    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-y", "-i", str(wav),
            "-af", f"apad=whole_dur={duration_s:.3f},aresample={rate},ebur128=peak=true",
            "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
            "-compression_level", str(_LAME_QUALITY), "-f", "mp3", str(mp3)]


# ---------------------------------------------------------------------------- the result
def file_figures(mp3: Path, rate: int) -> tuple[float, float]:
    """Integrated loudness and true peak of the produced file to a hundredth (decoded here and
    measured by radio's own meter; the manifest has ffmpeg's tenths)."""
    from radio.audio.ffmpeg import decode
    from radio.audio.loudness import integrated_loudness
    from radio.audio.master import true_peak

    samples = decode(mp3, rate)[:, 0]
    return integrated_loudness(samples, rate), true_peak(samples)


def ratio_line(label: str, value: float, floor: float, unit: str) -> str:
    return f"  {label:<12} radio {value:8.2f} {unit:<3} floor {floor:8.2f} {unit:<3} ratio {value / floor:5.2f}"


ROUNDS = 3


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--speak":  # the floor's eSpeak process
        speak(Path(sys.argv[2]), Path(sys.argv[3]))
        return 0
    from radio.station import SAMPLE_MONTH, sample_station_dir

    month = SAMPLE_MONTH
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as scratch:
        tmp = Path(scratch)
        composed = tmp / "composed"
        shutil.copytree(sample_station_dir(), composed)
        subprocess.run([sys.executable, "-m", "radio", "compose", month], cwd=composed,
                       env=radio_env(tmp / "compose-cache"), check=True, capture_output=True)
        jobs = tmp / "spoken.json"
        jobs.write_text(json.dumps(spoken_jobs(composed, month), ensure_ascii=False), encoding="utf-8")
        # The machine's speed drifts from minute to minute (other work shares it): radio and
        # its floor run in turns, each cold, and the medians are compared.
        radios, floors = [], []
        for round_ in range(ROUNDS):
            station = tmp / f"station-{round_}"
            shutil.copytree(composed, station)
            radios.append(timed([sys.executable, "-m", "radio", "produce", month], cwd=station,
                                env=radio_env(tmp / f"cache-{round_}")))
            manifest = _manifest(station, month)
            audio = manifest.audio
            speech = timed([sys.executable, __file__, "--speak", str(jobs), str(tmp / "speech.wav")])
            encode = timed(ffmpeg_pass(tmp / "speech.wav", tmp / "floor.mp3", audio.duration_s,
                                       audio.sample_rate, audio.bitrate_kbps))
            floors.append(speech + encode)
        lufs, peak = file_figures(_programme(station, month), audio.sample_rate)
    radio, floor = _median(radios), _median(floors)

    print(f"cold production of the sample programme ({audio.duration_s / 60:.1f} min, "
          f"{manifest.clips.synthesized} clips spoken) against its floor, {ROUNDS} rounds in turn, medians")
    print(f"  floor: eSpeak NG then ffmpeg decode + ebur128 + LAME, "
          f"{', '.join(f'{f.wall_s:.2f}' for f in floors)} s wall")
    print(f"  radio: {', '.join(f'{r.wall_s:.2f}' for r in radios)} s wall; ratios by round "
          f"{', '.join(f'{r.wall_s / f.wall_s:.2f}' for r, f in zip(radios, floors))}")
    print(ratio_line("wall time", radio.wall_s, floor.wall_s, "s"))
    print(ratio_line("CPU time", radio.cpu_s, floor.cpu_s, "s"))
    print(ratio_line("peak memory", radio.peak_mb, floor.peak_mb, "MB"))
    wall_ratio = radio.wall_s / floor.wall_s
    print(f"  wall ratio {wall_ratio:.2f}: ratio to target {wall_ratio / TARGET_WALL_RATIO:.2f} "
          f"(≤ 1 is on target: ≤ {TARGET_WALL_RATIO} × the floor)")
    print(f"  peak memory {radio.peak_mb:.0f} MB: ratio to target {radio.peak_mb / TARGET_PEAK_MB:.2f} "
          f"(≤ 1 is on target: ≤ {TARGET_PEAK_MB:.0f} MB)")
    print(f"  result: {lufs:.2f} LUFS integrated, {peak:.2f} dBTP true peak (radio's meter on the "
          f"decoded MP3); manifest (radio's meter as the file was made) {audio.integrated_lufs} LUFS, "
          f"{audio.true_peak_dbtp} dBTP; target {audio.target_lufs} LUFS under "
          f"{audio.true_peak_limit_dbtp} dBTP")
    return 0


def _median(runs: list[Run]) -> Run:
    """Each figure's median over the rounds."""
    middle = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
    return Run(middle([r.wall_s for r in runs]), middle([r.cpu_s for r in runs]),
               middle([r.peak_mb for r in runs]))


def _programme_dir(station: Path, month: str) -> Path:
    from radio.paths import programme_dir, station_output
    from radio.station import load_station

    return programme_dir(station_output(station), load_station(station).id, month)


def _manifest(station: Path, month: str):
    from radio import manifest

    return manifest.read(_programme_dir(station, month) / "manifest.json")


def _programme(station: Path, month: str) -> Path:
    return _programme_dir(station, month) / "programme.mp3"


if __name__ == "__main__":
    sys.exit(main())
