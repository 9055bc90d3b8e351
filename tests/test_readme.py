"""The README: its generated output is current, and CI runs its test command."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    """The two commands the README opens with (indented lines before the first heading)."""
    opening = README.split("\n## ", 1)[0]
    return [line.strip() for line in opening.splitlines() if line.startswith("    ")]


def test_readme_opens_with_the_install_and_test_commands():
    main, tests = readme_commands()
    assert "pip install -e ." in main and "policydiff build policydiff.db" in main
    assert tests.endswith("pip install -q -e '.[test]' && pytest")


def test_ci_runs_the_readme_test_command():
    test_command = readme_commands()[1]
    install_and_test = test_command.split("&& ", 2)[-1]
    assert install_and_test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_generated_output_in_the_readme_is_current():
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "README.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_output_blocks_are_not_empty():
    blocks = re.findall(r"\]\]\] -->\n(.*?)<!-- \[\[\[end\]\]\] -->", README, re.DOTALL)
    assert all(block.strip() for block in blocks[1:])
