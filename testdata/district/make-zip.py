#!/usr/bin/env python3
"""Build y1-v1p1.zip from the files in y1-v1p1/.

The CSV files go at the archive root (no folder entries), compressed with
ZIP_DEFLATED. Entries are written manifest.csv first, then the rest sorted by
name, each with a fixed timestamp and mode, so the output bytes are the same on
every run.

Usage: python3 testdata/district/make-zip.py   (run from any directory)
"""
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "y1-v1p1")
DST = os.path.join(HERE, "y1-v1p1.zip")
STAMP = (2025, 8, 20, 0, 0, 0)


def main():
    names = sorted(n for n in os.listdir(SRC) if n.endswith(".csv"))
    if "manifest.csv" not in names:
        raise SystemExit("make-zip.py: %s has no manifest.csv" % SRC)
    names.remove("manifest.csv")
    names.insert(0, "manifest.csv")
    with zipfile.ZipFile(DST, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            with open(os.path.join(SRC, name), "rb") as f:
                zf.writestr(info, f.read())
    print("wrote %s (%d files)" % (DST, len(names)))


if __name__ == "__main__":
    main()
