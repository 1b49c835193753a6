"""The README's Python example runs as printed."""
import os
import re


def test_readme_example(tmp_path, monkeypatch, capsys):
    root = os.environ.get("WHITEN_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__),
                                                                "..", "..")
    text = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    section = text[text.index("\n## Python\n"):]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[0], "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert (tmp_path / "S.npz").exists()
    assert len(lines) == 6, lines
    cov = [float(v) for line in lines[:3] for v in line.strip(" []").split()]
    assert len(cov) == 9 and all(abs(c - (1.0 if i % 4 == 0 else 0.0)) < 0.2
                                 for i, c in enumerate(cov)), cov
    assert lines[3] == "True"                          # inverse_transform undoes transform
    assert lines[4] == "(3, 6) (6,)"                   # the gain circuit's frame and gains
    t = [float(v) for v in lines[5].split()]
    assert abs(t[0] - 3.6246) < 1e-3 and abs(t[1] - 3.6246) < 1e-3
