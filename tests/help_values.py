#!/usr/bin/env python3
"""Issue 16: every value `whiten COMMAND --help` prints for an option (its default, and
each closed bound of its accepted range) is accepted when typed back into that option;
and no whole-number option takes a negative value, however it is spelled.

An option is tried as `whiten COMMAND --NAME VALUE --help`: the parser stores VALUE
(or refuses it, exit 2) before it meets --help (exit 0), so nothing runs.
usage: help_values.py WHITEN
"""
import re
import subprocess
import sys

whiten = sys.argv[1]
failures = 0
checked = 0


def run(*args):
    return subprocess.run([whiten, *args], capture_output=True, text=True)


def commands():
    text = run("--help").stdout
    block = text.split("commands:", 1)[1]
    return [m.group(1) for m in re.finditer(r"^  (\w+)\s", block, re.M) if m.group(1) != "version"]


def options(command):
    """(name, description) of each option that takes a value."""
    lines = run(command, "--help").stdout.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^  --([a-z0-9-]+) VALUE$", line)
        if m and i + 1 < len(lines):
            yield m.group(1), lines[i + 1]


def accepted(command, name, value, why):
    global failures, checked
    checked += 1
    r = run(command, "--" + name, value, "--help")
    if r.returncode != 0:
        failures += 1
        print(f"FAIL: whiten {command} --{name} {value} ({why}) is refused: {r.stderr.strip()}")


def refused(command, name, value):
    global failures, checked
    checked += 1
    r = run(command, "--" + name, value, "--help")
    if r.returncode != 2 or f"option --{name}" not in r.stderr:
        failures += 1
        print(f"FAIL: whiten {command} --{name} '{value}' exit {r.returncode}, want 2: {r.stderr.strip()}")


for command in commands():
    for name, desc in options(command):
        d = re.search(r"\(default (\S+)\)$", desc)
        if d:
            accepted(command, name, d.group(1), "its printed default")
        r = re.search(r"; accepts ([\[(])([^,]+), ([^\])]+)([\])])", desc)
        if r:
            if r.group(1) == "[":
                accepted(command, name, r.group(2), "its printed lower bound")
            if r.group(4) == "]":
                accepted(command, name, r.group(3), "its printed upper bound")
            if "a whole number" in run(command, "--" + name, "x").stderr:
                for bad in ("-1", " -1", "-0", "+1", "1.5", "1e-3"):
                    refused(command, name, bad)

print(f"{checked} values tried, {failures} failure(s)")
sys.exit(1 if failures else 0)
