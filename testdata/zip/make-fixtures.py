#!/usr/bin/env python3
"""Writes the zip fixtures for tests/unit/test_zip.c into this folder.

A one-off generator, kept beside its output so the fixtures can be
remade or changed; the build does not run it. ok.zip and bomb.zip come
from python's zipfile, the reference writer. The others break one rule
each, so they are written field by field with struct: zipfile refuses
to write most of them.

    python3 testdata/zip/make-fixtures.py
"""
import os
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATE = (2024, 1, 2, 3, 4, 6)
DOS_TIME = DATE[3] << 11 | DATE[4] << 5 | DATE[5] // 2
DOS_DATE = (DATE[0] - 1980) << 9 | DATE[1] << 5 | DATE[2]

A_CSV = b"sourcedId,givenName,familyName\nu1,Ada,Lovelace\nu2,Alan,Turing\n"
B_CSV = (b"sourcedId,title,grade\n"
         b"c1,Algebra I,09\n"
         b"c2,Algebra II,10\n"
         b"c3,Fran\xc3\xa7ais I,09\n"
         b"c4,Fran\xc3\xa7ais II,10\n")
C_TXT = b"a file in a folder\n"


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def entry(name, content, method=8, **over):
    """One member: name (str or bytes), its content, and any field to
    override (crc, csize, usize, flags, made_by, ext_attr, data,
    local_extra, central_extra, descriptor)."""
    e = dict(name=name.encode() if isinstance(name, str) else name,
             method=method, flags=0x800, made_by=3 << 8 | 20,
             ext_attr=0o100644 << 16, crc=zlib.crc32(content),
             usize=len(content), local_extra=b"", central_extra=b"",
             descriptor=False,
             data=deflate(content) if method == 8 else content)
    e["csize"] = len(e["data"])
    e.update(over)
    return e


def build(entries, eocd=None, zip64_end=False, saturate=True):
    """The archive's bytes. eocd overrides fields of the end record;
    zip64_end adds the zip64 end record and locator, saturate then fills
    the classic record's fields with 0xffff.. as zip64 writers must when
    the values do not fit."""
    out = b""
    central = b""
    for e in entries:
        offset = len(out)
        flags = e["flags"] | (0x08 if e["descriptor"] else 0)
        # with a data descriptor the local header may hold zeros
        lcrc, lcs, lus = (0, 0, 0) if e["descriptor"] else \
            (e["crc"], e["csize"], e["usize"])
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, flags,
                           e["method"], DOS_TIME, DOS_DATE, lcrc, lcs, lus,
                           len(e["name"]), len(e["local_extra"]))
        out += e["name"] + e["local_extra"] + e["data"]
        if e["descriptor"]:
            out += struct.pack("<IIII", 0x08074b50, e["crc"], e["csize"],
                               e["usize"])
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50,
                               e["made_by"], 20, flags, e["method"],
                               DOS_TIME, DOS_DATE, e["crc"], e["csize"],
                               e["usize"], len(e["name"]),
                               len(e["central_extra"]), 0,
                               e.get("disk_start", 0), 0, e["ext_attr"],
                               e.get("offset", offset))
        central += e["name"] + e["central_extra"]
    end = dict(disk=0, cd_disk=0, here=len(entries), total=len(entries),
               cd_size=len(central), cd_offset=len(out))
    end.update(eocd or {})
    cd_at = len(out)
    out += central
    if zip64_end:
        z64_at = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0,
                           len(entries), len(entries), len(central), cd_at)
        out += struct.pack("<IIQI", 0x07064b50, 0, z64_at, 1)
        if saturate:
            end.update(here=0xffff, total=0xffff, cd_size=0xffffffff,
                       cd_offset=0xffffffff)
    out += struct.pack("<IHHHHIIH", 0x06054b50, end["disk"], end["cd_disk"],
                       end["here"], end["total"], end["cd_size"],
                       end["cd_offset"], 0)
    return out


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def zipinfo(name, method):
    zi = zipfile.ZipInfo(name, DATE)
    zi.compress_type = method
    zi.external_attr = (0o40755 if name.endswith("/") else 0o100644) << 16
    return zi


def make_ok():
    path = os.path.join(HERE, "ok.zip")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipinfo("a.csv", zipfile.ZIP_STORED), A_CSV)
        zf.writestr(zipinfo("b.csv", zipfile.ZIP_DEFLATED), B_CSV,
                    compresslevel=9)
        zf.writestr(zipinfo("dir/", zipfile.ZIP_STORED), b"")
        zf.writestr(zipinfo("dir/c.txt", zipfile.ZIP_DEFLATED), C_TXT)
    with open(path, "rb") as f:
        return f.read()


def make_bomb():
    # 20 MB of "000\n": about 20 KB deflated, a ratio near deflate's
    # limit of 1032. A period of 4 bytes, since longer match distances
    # cost extra bits and cut the ratio (lines of 100 bytes give 300);
    # lines, so that reading it line by line never holds all of it.
    zeros = b"000\n" * 5_000_000
    path = os.path.join(HERE, "bomb.zip")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipinfo("bomb.csv", zipfile.ZIP_DEFLATED), zeros,
                    compresslevel=9)


def main():
    ok = make_ok()
    write("truncated-tail.zip", ok[:-30])
    make_bomb()

    # bit 3 set: zeros in the local header, the sizes in a descriptor
    # after the data; local extra fields the central directory lacks
    write("descriptor.zip", build([
        entry("a.csv", A_CSV, 0, descriptor=True, local_extra=b"\x99\x99\x04\x00abcd"),
        entry("b.csv", B_CSV, 8, descriptor=True,
              local_extra=b"\x99\x99\x0c\x00" + b"x" * 12)]))

    full = deflate(B_CSV)
    write("truncated-data.zip", build([
        entry("b.csv", B_CSV, 8, data=full[:len(full) // 2],
              csize=len(full) // 2)]))
    # first byte 0x07: final block of the reserved type 3
    write("corrupt.zip", build([
        entry("b.csv", B_CSV, 8, data=b"\x07" + full[1:])]))
    bad = bytearray(A_CSV)
    bad[10] ^= 0x01
    write("crc.zip", build([entry("a.csv", A_CSV, 0, data=bytes(bad))]))
    write("size.zip", build([entry("b.csv", B_CSV, 8, usize=len(B_CSV) + 1)]))
    write("lying-size.zip", build([entry("b.csv", B_CSV, 8, usize=20)]))
    write("data-past-cd.zip", build([
        entry("b.csv", B_CSV, 8, csize=len(full) + 200)]))

    write("dotdot.zip", build([entry("../evil.csv", A_CSV)]))
    write("nested-dotdot.zip", build([entry("data/../../evil.csv", A_CSV)]))
    write("absolute.zip", build([entry("/etc/evil.csv", A_CSV)]))
    write("backslash.zip", build([entry("..\\evil.csv", A_CSV)]))
    write("drive.zip", build([entry("C:evil.csv", A_CSV)]))
    write("newline.zip", build([entry("../evil\n\".csv", A_CSV)]))
    write("badutf8.zip", build([entry(b"caf\xe9.csv", A_CSV)]))
    write("nul.zip", build([entry(b"a\x00.csv", A_CSV)]))
    write("symlink.zip", build([
        entry("a.csv", A_CSV),
        entry("link.csv", b"/etc/passwd", 0, ext_attr=0o120777 << 16)]))
    write("encrypted.zip", build([entry("a.csv", A_CSV, 0, flags=0x801)]))
    write("bzip2.zip", build([entry("a.csv", A_CSV, 12)]))
    write("dir-data.zip", build([
        entry("dir/", A_CSV, 0, ext_attr=0o40755 << 16)]))
    write("zip64.zip", build([entry("a.csv", A_CSV)], zip64_end=True))
    # values that fit, yet a zip64 end record: only the locator tells
    write("zip64-locator.zip", build([entry("a.csv", A_CSV)], zip64_end=True,
                                     saturate=False))
    write("zip64-entry.zip", build([entry(
        "a.csv", A_CSV, 0, csize=0xffffffff, usize=0xffffffff,
        central_extra=struct.pack("<HHQQ", 1, 16, len(A_CSV), len(A_CSV)))]))
    write("multidisk.zip", build([entry("a.csv", A_CSV)],
                                 eocd=dict(disk=1, cd_disk=1)))
    write("cd-past-end.zip", build([entry("a.csv", A_CSV)],
                                   eocd=dict(cd_size=5000)))
    # one name twice: readers take the first, unzip the last
    write("duplicate.zip", build([
        entry("a.csv", A_CSV), entry("b.csv", B_CSV), entry("c.csv", A_CSV),
        entry("b.csv", A_CSV)]))
    # names that differ in case only are one name to a reader that
    # matches names ignoring case
    write("duplicate-case.zip", build([
        entry("users.csv", A_CSV), entry("a.csv", A_CSV),
        entry("USERS.csv", B_CSV)]))


if __name__ == "__main__":
    main()
