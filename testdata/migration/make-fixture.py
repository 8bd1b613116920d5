#!/usr/bin/env python3
"""Builds new-source/: the sample district as a new rostering source sends it
after a move (every id changed), from ../district/y1-v1p1. SIS ids are kept for
most users; stu-1003, stu-1010 and tch-2003 lose theirs (emails stay);
stu-1002 and stu-1016 lose SIS id and email (nothing left to match on).
Run from anywhere: python3 testdata/migration/make-fixture.py"""
import csv, io, os, re

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.join(here, "..", "district", "y1-v1p1")
dst = os.path.join(here, "new-source")
NO_SIS = {"stu-1003", "stu-1010", "tch-2003"}
NOTHING = {"stu-1002", "stu-1016"}
ID_COLUMNS = {"sourcedId", "parentSourcedId", "orgSourcedIds", "orgSourcedId",
              "schoolYearSourcedId", "courseSourcedId", "schoolSourcedId",
              "termSourcedIds", "classSourcedId", "userSourcedId", "agentSourcedIds"}

def renamed(cell):
    return ",".join("new-" + t.strip() for t in cell.split(",") if t.strip())

os.makedirs(dst, exist_ok=True)
for name in sorted(os.listdir(src)):
    with open(os.path.join(src, name), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    if name != "manifest.csv":
        for row in body:
            old = row[head.index("sourcedId")]
            for i, col in enumerate(head):
                if col in ID_COLUMNS and row[i]:
                    row[i] = renamed(row[i])
            if name == "users.csv" and old in NO_SIS | NOTHING:
                row[head.index("identifier")] = ""
                ids = row[head.index("userIds")]
                row[head.index("userIds")] = ",".join(
                    t for t in re.findall(r"\{[^}]*\}", ids) if not t.startswith("{SIS:"))
                if old in NOTHING:
                    row[head.index("email")] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([head] + body)
    with open(os.path.join(dst, name), "w", encoding="utf-8", newline="") as f:
        f.write(out.getvalue())
