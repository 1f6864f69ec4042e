"""Start or stop a platform emulator for a molecule scenario, in the scenario's ephemeral directory.

    python emulator.py start PLATFORM DIRECTORY [KEY=VALUE ...]   # prints the emulator's URL
    python emulator.py stop DIRECTORY

`start` runs `converge-emulator` on a free port of 127.0.0.1 as a process of its own, keeps its state in
DIRECTORY/PLATFORM.json and writes DIRECTORY/PLATFORM.url and DIRECTORY/PLATFORM.pid; `stop` ends every
emulator started in DIRECTORY. KEY=VALUE pairs are platform settings (`--set`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

STARTUP_SECONDS = 60


def start(platform: str, directory: Path, settings: list[str]) -> str:
    """Start the emulator on port 0 and return its URL once it listens."""
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / f"{platform}.log"
    cmd = [sys.executable, "-m", "emulators.cli", "--platform", platform, "--port", "0",
           "--state", str(directory / f"{platform}.json")]
    for setting in settings:
        cmd += ["--set", setting]
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    (directory / f"{platform}.pid").write_text(str(proc.pid), encoding="utf-8")
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8").splitlines():
            name, _, url = line.partition(" ")
            if name == platform and url.startswith("http"):
                (directory / f"{platform}.url").write_text(url, encoding="utf-8")
                return url
        if proc.poll() is not None:
            raise SystemExit(f"{platform} emulator exited: {log.read_text(encoding='utf-8')}")
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{platform} emulator did not start within {STARTUP_SECONDS} s")


def stop(directory: Path) -> list[str]:
    """Stop every emulator started in the directory; return the platforms stopped."""
    stopped = []
    for pid_file in sorted(directory.glob("*.pid")):
        # an emulator that has already exited (or a pid file cut short) has nothing left to stop
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text(encoding="utf-8")), signal.SIGTERM)
            stopped.append(pid_file.stem)
        pid_file.unlink()
    return stopped


def main(argv: list[str]) -> None:
    if len(argv) >= 3 and argv[0] == "start":
        print(start(argv[1], Path(argv[2]), argv[3:]))
    elif len(argv) == 2 and argv[0] == "stop":
        print(" ".join(stop(Path(argv[1]))))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
