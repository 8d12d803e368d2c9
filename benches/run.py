#!/usr/bin/env python3
"""Runs commands in alternation and records each run's wall time and peak memory.

    benches/run.py RUNS WORK ARGS_FILE NAME COMMAND [NAME COMMAND ...]

Each COMMAND (split like a shell would) gets the lines of ARGS_FILE as its last
arguments. After one unmeasured run of each, the commands run in turn RUNS times, and
each run appends "wall_seconds max_rss_kb" to the file WORK/NAME.

One Python process starts every run with posix_spawn, output to /dev/null, and takes both
figures from the kernel (wait4's rusage for the peak). Started from bash instead, a
command with the corpus's 3,351 paths as arguments takes bash about 11 ms to launch (it
forks itself, paths and all), which would count in each tool's time though it is
neither's.
"""
import os
import shlex
import sys
import time


def run(argv: list, null: int) -> tuple:
    actions = [(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, _, usage = os.wait4(pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss


def main() -> int:
    if len(sys.argv) < 6 or len(sys.argv) % 2 != 0:
        print(__doc__, file=sys.stderr)
        return 2
    runs, work, args_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(args_file) as f:
        args = [line.rstrip("\n") for line in f if line.strip()]
    pairs = sys.argv[4:]
    commands = [(pairs[i], shlex.split(pairs[i + 1]) + args) for i in range(0, len(pairs), 2)]
    null = os.open(os.devnull, os.O_WRONLY)
    for _, argv in commands:
        run(argv, null)
    for _ in range(runs):
        for name, argv in commands:
            wall, rss = run(argv, null)
            with open(os.path.join(work, name), "a") as out:
                out.write(f"{wall:.6f} {rss}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
