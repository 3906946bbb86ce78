"""Rules of the house (ARCHITECTURE.md) that a reviewer would otherwise have to remember."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_only_the_store_runs_sql_also_in_tests_and_benchmarks():
    """Tests and benchmarks hold locks, read rows and tamper with radio.db through
    radio/store.py (``hold_exclusive_lock``, ``Tamper``), so a schema change is made in one
    file and no test keeps passing against a database the tool no longer writes."""
    # Spelt in two halves so that this file does not match itself.
    statement = re.compile("execute" + r"(?:many|script)?\(")
    found = [f"{path.relative_to(ROOT)}:{number}"
             for folder in ("radio", "tests", "benchmarks")
             for path in sorted((ROOT / folder).rglob("*.py")) if path != ROOT / "radio" / "store.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if statement.search(line)]
    assert found == []
