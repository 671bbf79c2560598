"""The check counter the interop scripts share: counts checks, prints each failure at once and
one summary line per step, and the script ends with "N passed, M failed".

Scripts in this folder import it as `from checks import Checks, text_of` (Python puts a
script's own folder first on its path).
"""

from __future__ import annotations


class Checks:
    """Counts checks; prints failures at once and one summary line per step."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.step_name = ""
        self.step_failed = 0
        self.step_passed = 0

    def step(self, name: str) -> None:
        """Ends the current step (printing its line) and starts `name`."""
        self.end()
        self.step_name, self.step_failed, self.step_passed = name, 0, 0

    def end(self) -> None:
        """Prints the current step's line, if a step is open."""
        if self.step_name:
            status = "ok" if self.step_failed == 0 else f"FAILED {self.step_failed}"
            print(f"[{status:>8}] {self.step_name} ({self.step_passed} checks passed)", flush=True)
            self.step_name = ""

    end_step = end

    def check(self, cond: object, what: str, detail: object = "") -> bool:
        if cond:
            self.passed += 1
            self.step_passed += 1
            return True
        self.failed += 1
        self.step_failed += 1
        print(f"  FAIL: {what}" + (f"\n        {detail}" if detail != "" else ""), flush=True)
        return False

    def equal(self, got: object, want: object, what: str) -> bool:
        return self.check(got == want, what, f"got {got!r}, want {want!r}")


def text_of(result) -> str:
    """The text blocks of a tool result, joined by spaces."""
    return " ".join(getattr(c, "text", "") for c in result.content)
