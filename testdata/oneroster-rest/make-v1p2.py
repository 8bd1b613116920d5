#!/usr/bin/env python3
"""Build the OneRoster 1.2 REST form of the sample district from its 1.2 CSV package.

Reads  ../district/y1-v1p2/   (OneRoster CSV 1.2, bulk: CRLF, BOMs, roles.csv)
Writes ./y1-v1p2/             one {"<collection>":[...]} file per collection, as
                              a 1.2 server serves them under
                              /ims/oneroster/rostering/v1p2/

Usage:  python3 make-v1p2.py          (re)write the files
        python3 make-v1p2.py --check  write, then re-read and verify them

Deterministic: stdlib only, no randomness, no clock. See README.md here.
"""

import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CSV_DIR = os.path.join(HERE, "..", "district", "y1-v1p2")
OUT = os.path.join(HERE, "y1-v1p2")
STAMP = "2025-08-01T00:00:00.000Z"
BASE = "https://roster.example/ims/oneroster/rostering/v1p2/"
COLLECTIONS = ("orgs", "academicSessions", "courses", "classes", "users",
               "enrollments", "demographics")
REF_COLLECTION = {"org": "orgs", "academicSession": "academicSessions",
                  "course": "courses", "user": "users", "class": "classes"}


def read_csv(name):
    with open(os.path.join(CSV_DIR, name + ".csv"), encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def split_list(cell):
    return [x.strip() for x in cell.split(",") if x.strip()]


def user_ids(cell):
    out = []
    for item in split_list(cell):
        t, _, v = item.strip("{}").partition(":")
        out.append({"type": t, "identifier": v})
    return out


def ref(typ, sid):
    return {"href": BASE + REF_COLLECTION[typ] + "/" + sid, "sourcedId": sid, "type": typ}


def boolean(cell):
    """1.2 JSON booleans; an odd spelling (TRUE) stays the string it was,
    as servers send both."""
    return {"true": True, "false": False}.get(cell, cell)


def base(row):
    return {"sourcedId": row["sourcedId"], "status": "active", "dateLastModified": STAMP}


def build():
    c = {n: read_csv(n) for n in COLLECTIONS + ("roles",)}
    district = next(o["sourcedId"] for o in c["orgs"] if o["type"] == "district")
    out = {}

    out["orgs"] = []
    for o in c["orgs"]:
        r = base(o)
        r.update(name=o["name"], type=o["type"], identifier=o["identifier"])
        if o["parentSourcedId"]:
            r["parent"] = ref("org", o["parentSourcedId"])
        r["children"] = [ref("org", x["sourcedId"]) for x in c["orgs"]
                         if x["parentSourcedId"] == o["sourcedId"]]
        out["orgs"].append(r)

    out["academicSessions"] = []
    for s in c["academicSessions"]:
        r = base(s)
        r.update(title=s["title"], type=s["type"], startDate=s["startDate"],
                 endDate=s["endDate"])
        if s["parentSourcedId"]:
            r["parent"] = ref("academicSession", s["parentSourcedId"])
        r["children"] = [ref("academicSession", x["sourcedId"])
                         for x in c["academicSessions"]
                         if x["parentSourcedId"] == s["sourcedId"]]
        r["schoolYear"] = s["schoolYear"]
        r["org"] = ref("org", district)  # 1.2: a session belongs to an org
        out["academicSessions"].append(r)

    out["courses"] = []
    for x in c["courses"]:
        r = base(x)
        r["title"] = x["title"]
        if x["schoolYearSourcedId"]:
            r["schoolYear"] = ref("academicSession", x["schoolYearSourcedId"])
        r.update(courseCode=x["courseCode"], grades=split_list(x["grades"]),
                 subjects=split_list(x["subjects"]),
                 subjectCodes=split_list(x["subjectCodes"]),
                 org=ref("org", x["orgSourcedId"]))
        out["courses"].append(r)

    out["classes"] = []
    for x in c["classes"]:
        r = base(x)
        r.update(title=x["title"], classCode=x["classCode"], classType=x["classType"],
                 location=x["location"], grades=split_list(x["grades"]),
                 subjects=split_list(x["subjects"]),
                 subjectCodes=split_list(x["subjectCodes"]),
                 periods=split_list(x["periods"]),
                 course=ref("course", x["courseSourcedId"]),
                 school=ref("org", x["schoolSourcedId"]),
                 terms=[ref("academicSession", t) for t in split_list(x["termSourcedIds"])])
        out["classes"].append(r)

    out["users"] = []
    for u in c["users"]:
        r = base(u)
        r.update(userMasterIdentifier=u["userMasterIdentifier"], username=u["username"],
                 userIds=user_ids(u["userIds"]), enabledUser=boolean(u["enabledUser"]),
                 givenName=u["givenName"], familyName=u["familyName"],
                 middleName=u["middleName"],
                 preferredFirstName=u["preferredGivenName"],
                 preferredMiddleName=u["preferredMiddleName"],
                 preferredLastName=u["preferredFamilyName"], pronouns=u["pronouns"])
        roles = []
        for x in c["roles"]:
            if x["userSourcedId"] != u["sourcedId"]:
                continue
            role = {"roleType": x["roleType"], "role": x["role"],
                    "org": ref("org", x["orgSourcedId"])}
            if x["beginDate"]:
                role["beginDate"] = x["beginDate"]
            if x["endDate"]:
                role["endDate"] = x["endDate"]
            roles.append(role)
        r["roles"] = roles
        r["userProfiles"] = []
        if u["primaryOrgSourcedId"]:
            r["primaryOrg"] = ref("org", u["primaryOrgSourcedId"])
        r.update(identifier=u["identifier"], email=u["email"], sms=u["sms"], phone=u["phone"],
                 agents=[ref("user", a) for a in split_list(u["agentSourcedIds"])],
                 grades=split_list(u["grades"]))
        if u["password"]:
            r["password"] = u["password"]
        out["users"].append(r)

    out["enrollments"] = []
    for e in c["enrollments"]:
        r = base(e)
        r.update(user=ref("user", e["userSourcedId"]), **{"class": ref("class", e["classSourcedId"])})
        r.update(school=ref("org", e["schoolSourcedId"]), role=e["role"],
                 primary=boolean(e["primary"]), beginDate=e["beginDate"], endDate=e["endDate"])
        out["enrollments"].append(r)

    out["demographics"] = []
    for d in c["demographics"]:
        r = base(d)
        for k, v in d.items():
            if k not in ("sourcedId", "status", "dateLastModified"):
                r[k] = boolean(v) if v in ("true", "false") else v
        out["demographics"].append(r)
    return out, c


def write(recs):
    os.makedirs(OUT, exist_ok=True)
    for coll in COLLECTIONS:
        with open(os.path.join(OUT, coll + ".json"), "w", encoding="utf-8", newline="\n") as f:
            f.write(json.dumps({coll: recs[coll]}, indent=1, ensure_ascii=False) + "\n")


def check(csvs):
    errors = []
    docs = {}
    for coll in COLLECTIONS:
        with open(os.path.join(OUT, coll + ".json"), encoding="utf-8") as f:
            docs[coll] = json.load(f)[coll]
        if [r["sourcedId"] for r in docs[coll]] != [r["sourcedId"] for r in csvs[coll]]:
            errors.append("%s: sourcedIds differ from the CSV" % coll)
    roles = [(u["sourcedId"], r["roleType"], r["role"], r["org"]["sourcedId"])
             for u in docs["users"] for r in u["roles"]]
    want = [(r["userSourcedId"], r["roleType"], r["role"], r["orgSourcedId"])
            for r in csvs["roles"]]
    if sorted(roles) != sorted(want):
        errors.append("users' roles differ from roles.csv")
    if not any(r[1] == "secondary" for r in roles):
        errors.append("no secondary role")
    if any("role" in u or "orgs" in u for u in docs["users"]):
        errors.append("a 1.2 user has role or orgs")
    for e in errors:
        print("check: " + e, file=sys.stderr)
    print("y1-v1p2: " + ", ".join("%s %d" % (c, len(docs[c])) for c in COLLECTIONS)
          + "; roles %d" % len(roles))
    return 1 if errors else 0


def main(argv):
    if argv[1:] not in ([], ["--check"]):
        print("usage: make-v1p2.py [--check]", file=sys.stderr)
        return 2
    recs, csvs = build()
    write(recs)
    return check(csvs) if argv[1:] == ["--check"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
