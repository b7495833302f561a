"""`igsync run` as a separate process, started, killed or stopped like a real one."""

from __future__ import annotations

import collections
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path


class Run:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daemon", "run"],
            env=env,
            cwd=cwd,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log: collections.deque[str] = collections.deque(maxlen=500)  # the last lines
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)
            if match := re.search(r"listening on (http://127\.0\.0\.1:\d+)", line):
                self.url = match.group(1)
                break
        else:
            raise AssertionError("igsync run exited before listening:\n" + "".join(self.log))
        # Keep reading, or a busy daemon blocks once the pipe's buffer is full.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            assert self.process.wait(timeout=30) == 0, "".join(self.log)
