"""Per-folder line coverage of src/ from a meson build made with -Db_coverage=true.

Usage: coverage_summary.py BUILD_DIR SOURCE_ROOT [--files]

Runs gcov (JSON output) on every .gcda file of the build, takes the union over objects
(a line counts as run if any executable or library that compiles it ran it), and prints
one row per folder of src/ (lines run, lines, percent) and the total; --files adds one
row per file. Exit status 1 if any folder is below 85 %.
"""
import collections
import json
import os
import subprocess
import sys

THRESHOLD = 85.0


def gcov_json(gcda):
    out = subprocess.run(['gcov', '--json-format', '--stdout', '-o', os.path.dirname(gcda), gcda],
                         capture_output=True, text=True, cwd=os.path.dirname(gcda))
    for line in out.stdout.splitlines():
        if line.startswith('{'):
            yield json.loads(line)


def line_counts(build, root):
    """{source path relative to root: {line: count}} over every object of the build."""
    counts = collections.defaultdict(dict)
    for dirpath, _, names in os.walk(build):
        for name in names:
            if not name.endswith('.gcda'):
                continue
            for doc in gcov_json(os.path.join(dirpath, name)):
                cwd = doc.get('current_working_directory', build)
                for f in doc['files']:
                    path = os.path.normpath(os.path.join(cwd, f['file']))
                    rel = os.path.relpath(path, root)
                    if not rel.startswith('src' + os.sep):
                        continue
                    seen = counts[rel]
                    for ln in f['lines']:
                        n = ln['line_number']
                        seen[n] = max(seen.get(n, 0), ln['count'])
    return counts


def main():
    build, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    counts = line_counts(build, root)
    if not counts:
        sys.exit('no coverage data under %s (built with -Db_coverage=true, tests run?)' % build)
    folders = collections.defaultdict(lambda: [0, 0])
    rows = []
    for rel, lines in sorted(counts.items()):
        run, total = sum(1 for c in lines.values() if c > 0), len(lines)
        folder = os.path.dirname(rel)
        folders[folder][0] += run
        folders[folder][1] += total
        rows.append((rel, run, total))
    print('| folder | lines run | lines | coverage |')
    print('|---|---:|---:|---:|')
    low = []
    for folder, (run, total) in sorted(folders.items()):
        pct = 100.0 * run / total
        low += [folder] if pct < THRESHOLD else []
        print('| %s | %d | %d | %.1f %% |' % (folder, run, total, pct))
    run, total = sum(v[0] for v in folders.values()), sum(v[1] for v in folders.values())
    print('| **all of src/** | %d | %d | %.1f %% |' % (run, total, 100.0 * run / total))
    if '--files' in sys.argv:
        print()
        print('| file | lines run | lines | coverage |')
        print('|---|---:|---:|---:|')
        for rel, run, total in rows:
            print('| %s | %d | %d | %.1f %% |' % (rel, run, total, 100.0 * run / total))
    if low:
        print('\nbelow %.0f %%: %s' % (THRESHOLD, ', '.join(low)), file=sys.stderr)
    sys.exit(1 if low else 0)


if __name__ == '__main__':
    main()
