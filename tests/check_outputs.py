"""Check the files `whiten reproduce` wrote, with the Python standard library only.

usage: check_outputs.py DIR ID...   Every experiment's PNG must decode (signature,
chunk CRCs, IHDR, inflated image size), its SVG must be XML, every CSV must parse
as numbers with a header, and REPORT.md must have a section and a verdict per ID.
"""
import csv
import glob
import os
import struct
import sys
import xml.dom.minidom
import zlib


def check_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"{path}: bad CRC in {kind}"
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    expected = height * (1 + width * channels * depth // 8)
    assert len(zlib.decompress(idat)) == expected, f"{path}: image data does not inflate"
    assert width >= 400 and height >= 300, f"{path}: {width}x{height} is too small"


def check_csv(path):
    rows = list(csv.reader(open(path)))
    assert len(rows) >= 2, f"{path}: no data rows"
    header = rows[0]
    assert all(not h.replace(".", "").isdigit() for h in header), f"{path}: no header"
    for i, row in enumerate(rows[1:], 2):
        assert len(row) == len(header), f"{path}:{i}: {len(row)} fields, header has {len(header)}"
        [float(v) for v in row]


def main(folder, ids):
    report = open(os.path.join(folder, "REPORT.md")).read()
    for ident in ids:
        stem = ident.lower()
        pngs = glob.glob(os.path.join(folder, stem + "_*.png"))
        assert pngs, f"no figure for {ident}"
        for png in pngs:
            check_png(png)
            xml.dom.minidom.parse(png[:-4] + ".svg")
        csvs = glob.glob(os.path.join(folder, stem + "_*.csv"))
        assert csvs, f"no CSV for {ident}"
        for path in csvs:
            check_csv(path)
        section = report.split(f"## {ident}:")[1].split("\n## ")[0]
        assert "- ✔" in section or "- ✘" in section, f"{ident}: no verdict"
        for png in pngs:
            assert os.path.basename(png) in section, f"{ident}: {png} not in the report"
    print(f"checked {len(ids)} experiments in {folder}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
