"""A production's progress bar follows the time it takes, not the number of items: the
hundred spoken sentences are quick, mastering and encoding the MP3 is most of the wait."""
from radio.studio.job import DOWNLOAD, MASTER, MIX, SYNTHESIS, FileProgress, percent, read

# (seconds, what the stages report) as a production of the sample month went (job.py's note).
MEASURED = 8.8


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def production(progress: FileProgress, clock: Clock):
    """The measured production, step by step; yields after every report."""
    begin = clock.now

    def at(second: float) -> None:
        clock.now = begin + second

    at(0.02)
    progress.start(SYNTHESIS, 100)
    yield
    for sentence in range(100):
        at(0.02 + 1.08 * (sentence + 1) / 100)
        progress.advance(SYNTHESIS)
        yield
    progress.finish(SYNTHESIS)
    at(1.1)
    progress.start(MIX, 14)
    for segment in range(14):
        at(1.1 + 0.9 * (segment + 1) / 14)
        progress.advance(MIX)
        yield
    progress.finish(MIX)
    at(2.05)
    progress.start(MASTER, 3)
    yield
    for second in (3.3, 7.1):
        at(second)
        progress.advance(MASTER)
        yield
    at(8.6)
    progress.finish(MASTER)
    yield


def state_of(progress: FileProgress) -> dict:
    return {"stages": progress.stages, "times": progress.times, "began": progress.began, "done": False}


def test_the_bar_follows_the_time_a_production_takes(tmp_path):
    clock = Clock()
    progress = FileProgress(tmp_path / "p.json", clock=clock)
    begin, seen = clock.now, []
    for _ in production(progress, clock):
        # The page reloads every so often between reports: look at a few moments in between.
        seen.append((clock.now - begin, percent(state_of(progress), clock.now)))
    # Between the master's reports, time moves the bar on.
    for second in (4.0, 5.0, 6.0):
        master = {**state_of(progress), "stages": {**progress.stages, MASTER: [1, 3]},
                  "times": {**progress.times, MASTER: [begin + 2.05, None]}}
        seen.append((second, percent(master, begin + second)))
    seen.sort()
    shares = [p for _, p in seen]
    assert shares == sorted(shares)  # never goes back
    for second, shown in seen:
        assert abs(shown - 100 * second / MEASURED) <= 20, (second, shown)
    assert max(p for s, p in seen if s <= 2.1) <= 35  # not 97 % once the sentences are spoken
    assert percent({**state_of(progress), "done": True}, clock.now) == 100


def test_the_progress_file_keeps_the_stage_times_for_the_page(tmp_path):
    clock = Clock()
    progress = FileProgress(tmp_path / "p.json", clock=clock)
    progress.start(SYNTHESIS, 10)
    clock.now += 2
    progress.finish(SYNTHESIS)
    written = read(tmp_path / "p.json")
    assert written["stages"][SYNTHESIS] == [10, 10] and written["times"][SYNTHESIS] == [clock.now - 2, clock.now]
    assert 0 < percent(written, clock.now) < 25


def test_the_weights_name_the_stages_the_pipeline_reports():
    from radio.audio.mix import STAGE as mixing
    from radio.audio.finish import STAGE as MASTER_STAGE
    from radio.speech.piper_voices import STAGE as download
    from radio.speech.synthesize import STAGE as synthesis

    assert (SYNTHESIS, MIX, MASTER, DOWNLOAD) == (synthesis, mixing, MASTER_STAGE, download)


def test_a_finished_job_says_the_length_the_manifest_gives(tmp_path):
    from radio.approval import MonthFiles, read_manifest
    from radio.studio.job import main
    from tests.fixtures import MONTH, make_station

    folder = make_station(tmp_path)
    progress_file = tmp_path / "produce.json"
    assert main(str(folder), MONTH, str(progress_file)) == 0
    state = read(progress_file)
    minutes, seconds = divmod(round(read_manifest(MonthFiles(folder, "an-lac", MONTH)).audio.duration_s), 60)
    assert state["done"] and "error" not in state
    assert state["result"] == f"Đã sản xuất xong: {minutes} phút {seconds:02d} giây."
    assert percent(state, 0) == 100
