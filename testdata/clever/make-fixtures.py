#!/usr/bin/env python3
"""Build API-shaped fixtures of the sample district from its OneRoster 1.1 CSV packages.

Reads  ../district/y1-v1p1/ and ../district/y2-v1p1/   (OneRoster CSV 1.1, bulk)
Writes ./y1/ ./y2/         Clever Data API v3.0 list responses, one file per entity
       ./bad/              small broken Clever pages for error tests
       ../oneroster-rest/y1/ ../oneroster-rest/y2/   OneRoster 1.1 REST collections

Usage:  python3 make-fixtures.py          (re)write every fixture file
        python3 make-fixtures.py --check  write, then re-read and verify them

Deterministic: stdlib only, no randomness, no clock. Running it twice gives
byte-identical files. See README.md here and in ../oneroster-rest/.
"""

import csv
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DISTRICT = os.path.join(HERE, "..", "district")
REST_OUT = os.path.join(HERE, "..", "oneroster-rest")
YEARS = ("y1", "y2")

DISTRICT_NAME = "Northfield Unified"
# Clever timestamps: records that exist in y1 were created at Y1_STAMP. In y2 a
# record keeps Y1_STAMP as last_modified unless its content changed.
Y1_STAMP = "2025-08-01T00:00:00.000Z"
Y2_STAMP = "2026-08-01T00:00:00.000Z"
REST_STAMP = "2025-08-01T00:00:00.000Z"
REST_BASE = "https://roster.example/ims/oneroster/v1p1/"

CLEVER_ENTITIES = ("districts", "schools", "terms", "courses", "sections", "users")
REST_COLLECTIONS = ("orgs", "academicSessions", "courses", "classes", "users",
                    "enrollments", "demographics")

SUBJECTS = {
    "english language arts": "english/language arts",
    "mathematics": "math",
    "math": "math",
    "science": "science",
}


# ---------------------------------------------------------------- helpers

def clever_id(sourced_id):
    """24 hex digits (an ObjectID-shaped string) derived from a OneRoster sourcedId."""
    return hashlib.sha1(("clever:" + sourced_id).encode("utf-8")).hexdigest()[:24]


def read_csv(year, name):
    path = os.path.join(DISTRICT, year + "-v1p1", name + ".csv")
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def split_list(cell):
    return [t.strip() for t in cell.split(",") if t.strip()]


def parse_user_ids(cell):
    """"{SIS:1001},{Google:g-1001}" -> [{"type":"SIS","identifier":"1001"}, ...]"""
    out = []
    for tok in split_list(cell):
        if not (tok.startswith("{") and tok.endswith("}")) or ":" not in tok:
            raise ValueError("bad userIds token: %r" % tok)
        typ, ident = tok[1:-1].split(":", 1)
        out.append({"type": typ, "identifier": ident})
    return out


def clever_grade(g):
    """OneRoster grade as written (KG, K, 01, 7, ...) -> Clever grade enum."""
    g = g.strip()
    if g.upper() in ("KG", "K"):
        return "Kindergarten"
    if g.upper() == "PK":
        return "PreKindergarten"
    if g.isdigit() and 1 <= int(g) <= 13:
        return str(int(g))
    raise ValueError("no Clever grade for %r" % g)


def grade_rank(g):
    return 0 if g == "Kindergarten" else int(g)


def clever_dob(iso):
    y, m, d = iso.split("-")
    return "%d/%d/%s" % (int(m), int(d), y)


def clever_subject(subjects_cell):
    subs = split_list(subjects_cell)
    if not subs:
        return ""
    return SUBJECTS.get(subs[0].lower(), "other")


def dump(obj):
    return json.dumps(obj, indent=1, ensure_ascii=False) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def load_year(year):
    return {n: read_csv(year, n) for n in
            ("orgs", "academicSessions", "courses", "classes", "users",
             "enrollments", "demographics")}


# ---------------------------------------------------------------- Clever

def clever_list(entity, records):
    records = sorted(records, key=lambda r: r["id"])  # Clever sorts by ascending id
    return {
        "data": [{"data": r, "uri": "/v3.0/%s/%s" % (entity, r["id"])} for r in records],
        "links": [{"rel": "self", "uri": "/v3.0/" + entity}],
    }


def build_clever(csvs):
    """Return {entity: [record, ...]} without created/last_modified."""
    orgs = csvs["orgs"]
    dist_row = [o for o in orgs if o["type"] == "district"][0]
    did = clever_id(dist_row["sourcedId"])
    out = {e: [] for e in CLEVER_ENTITIES}

    out["districts"].append({"id": did, "name": DISTRICT_NAME})

    # schools: grade span from the grades of the school's classes
    for o in orgs:
        if o["type"] != "school":
            continue
        grades = set()
        for c in csvs["classes"]:
            if c["schoolSourcedId"] == o["sourcedId"]:
                grades.update(clever_grade(g) for g in split_list(c["grades"]))
        span = sorted(grades, key=grade_rank)
        out["schools"].append({
            "id": clever_id(o["sourcedId"]),
            "district": did,
            "name": o["name"],
            "sis_id": o["sourcedId"],
            "school_number": o["identifier"],
            "low_grade": span[0],
            "high_grade": span[-1],
        })

    for s in csvs["academicSessions"]:
        if s["type"] not in ("schoolYear", "semester"):
            continue
        out["terms"].append({
            "id": clever_id(s["sourcedId"]),
            "district": did,
            "name": s["title"],
            "start_date": s["startDate"],
            "end_date": s["endDate"],
        })

    for c in csvs["courses"]:
        out["courses"].append({
            "id": clever_id(c["sourcedId"]),
            "district": did,
            "name": c["title"],
            "number": c["courseCode"],
        })

    for c in csvs["classes"]:
        enr = [e for e in csvs["enrollments"] if e["classSourcedId"] == c["sourcedId"]]
        students = [clever_id(e["userSourcedId"]) for e in enr if e["role"] == "student"]
        tch = [e for e in enr if e["role"] == "teacher"]
        primary = [e for e in tch if e["primary"].lower() == "true"]
        tch = primary + [e for e in tch if e not in primary]
        teachers = [clever_id(e["userSourcedId"]) for e in tch]
        periods = split_list(c["periods"])
        out["sections"].append({
            "id": clever_id(c["sourcedId"]),
            "district": did,
            "school": clever_id(c["schoolSourcedId"]),
            "course": clever_id(c["courseSourcedId"]),
            "term_id": clever_id(split_list(c["termSourcedIds"])[0]),
            "name": c["title"],
            "period": periods[0] if periods else "",
            "subject": clever_subject(c["subjects"]),
            "sis_id": c["sourcedId"],
            "students": students,
            "teachers": teachers,
            "teacher": teachers[0] if teachers else None,
        })

    dob = {d["sourcedId"]: d["birthDate"] for d in csvs["demographics"]}
    children = {}  # parent sourcedId -> [child sourcedId]; agents point child -> parent
    for u in csvs["users"]:
        for p in split_list(u["agentSourcedIds"]):
            children.setdefault(p, []).append(u["sourcedId"])

    for u in csvs["users"]:
        sid = u["sourcedId"]
        school_orgs = [o for o in split_list(u["orgSourcedIds"])
                       if any(x["sourcedId"] == o and x["type"] == "school" for x in orgs)]
        schools = [clever_id(o) for o in school_orgs]
        creds = {"district_username": u["username"]}
        role = u["role"]
        if role == "student":
            roles = {"student": {
                "sis_id": u["identifier"],
                "student_number": u["identifier"],
                "grade": clever_grade(split_list(u["grades"])[0]),
                "dob": clever_dob(dob[sid]),
                "school": schools[0],
                "schools": schools,
                "credentials": creds,
            }}
        elif role == "teacher":
            roles = {"teacher": {
                "sis_id": u["identifier"],
                "teacher_number": u["identifier"],
                "school": schools[0],
                "schools": schools,
                "credentials": creds,
            }}
        elif role == "administrator":
            roles = {"district_admin": {"title": "Superintendent"}}
        elif role == "aide":
            roles = {"staff": {
                "staff_id": u["identifier"],
                "schools": schools,
                "title": "Aide",
                "credentials": creds,
            }}
        elif role in ("parent", "guardian"):
            roles = {"contact": {
                "sis_id": u["identifier"],
                "student_relationships": [
                    {"student": clever_id(c), "relationship": "Parent",
                     "type": "Parent/Guardian"} for c in children.get(sid, [])],
            }}
        else:
            raise ValueError("no Clever role for %s (%s)" % (sid, role))
        out["users"].append({
            "id": clever_id(sid),
            "district": did,
            "email": u["email"] if u["email"] != "" else None,
            "name": {"first": u["givenName"],
                     "middle": u["middleName"] if u["middleName"] != "" else None,
                     "last": u["familyName"]},
            "roles": roles,
        })
    return out


STAMPED = ("schools", "sections", "users")


def stamp(cur, prev):
    """Add created/last_modified to schools, sections and users.

    prev is the previous year's stamped records (None for y1)."""
    for ent in STAMPED:
        old = {r["id"]: r for r in prev[ent]} if prev else {}
        for r in cur[ent]:
            o = old.get(r["id"])
            if o is None:
                created = last = Y2_STAMP if prev else Y1_STAMP
            else:
                bare = {k: v for k, v in o.items() if k not in ("created", "last_modified")}
                created = o["created"]
                last = o["last_modified"] if bare == r else Y2_STAMP
            r["created"] = created
            r["last_modified"] = last


def write_clever(year, recs):
    for ent in CLEVER_ENTITIES:
        write(os.path.join(HERE, year, ent + ".json"), dump(clever_list(ent, recs[ent])))


def write_clever_bad(y1):
    users = {r["roles"].get("student", r["roles"].get("teacher", {})).get("sis_id"): r
             for r in y1["users"]}
    bad = os.path.join(HERE, "bad")

    # two-roles: tch-2003 also holds a student role
    two = json.loads(json.dumps(users["T2003"]))
    t = two["roles"]["teacher"]
    two["roles"]["student"] = {
        "sis_id": "T2003", "student_number": "T2003", "grade": "12",
        "dob": "4/1/1990", "school": t["school"], "schools": t["schools"],
        "credentials": t["credentials"],
    }
    write(os.path.join(bad, "two-roles.json"),
          dump(clever_list("users", [users["1001"], two])))

    # broken: a users page cut off inside the second user's object
    text = dump(clever_list("users", [users["1001"], users["1009"]]))
    first = text.index('"email"')
    cut = text.index('"email"', first + 1) + len('"email": "Taro.Ya')
    write(os.path.join(bad, "broken.json"), text[:cut])

    write(os.path.join(bad, "not-a-list.json"), dump({"message": "Not Found"}))

    # unknown-grade: stu-1010 with grade "Seventh" after a valid student
    odd = json.loads(json.dumps(users["1010"]))
    odd["roles"]["student"]["grade"] = "Seventh"
    write(os.path.join(bad, "unknown-grade.json"),
          dump(clever_list("users", [users["1009"], odd])))


# ---------------------------------------------------------------- OneRoster REST

REF_COLLECTION = {"org": "orgs", "course": "courses", "academicSession": "academicSessions",
                  "user": "users", "class": "classes"}


def ref(typ, sid):
    return {"href": REST_BASE + REF_COLLECTION[typ] + "/" + sid, "sourcedId": sid, "type": typ}


def base(row):
    return {"sourcedId": row["sourcedId"], "status": "active", "dateLastModified": REST_STAMP}


def build_rest(csvs):
    out = {}

    orgs = []
    for o in csvs["orgs"]:
        r = base(o)
        r.update(name=o["name"], type=o["type"], identifier=o["identifier"])
        if o["parentSourcedId"]:
            r["parent"] = ref("org", o["parentSourcedId"])
        r["children"] = [ref("org", c["sourcedId"]) for c in csvs["orgs"]
                         if c["parentSourcedId"] == o["sourcedId"]]
        orgs.append(r)
    out["orgs"] = orgs

    sessions = []
    for s in csvs["academicSessions"]:
        r = base(s)
        r.update(title=s["title"], type=s["type"], startDate=s["startDate"],
                 endDate=s["endDate"])
        if s["parentSourcedId"]:
            r["parent"] = ref("academicSession", s["parentSourcedId"])
        r["children"] = [ref("academicSession", c["sourcedId"])
                         for c in csvs["academicSessions"]
                         if c["parentSourcedId"] == s["sourcedId"]]
        r["schoolYear"] = s["schoolYear"]
        sessions.append(r)
    out["academicSessions"] = sessions

    courses = []
    for c in csvs["courses"]:
        r = base(c)
        r["title"] = c["title"]
        if c["schoolYearSourcedId"]:
            r["schoolYear"] = ref("academicSession", c["schoolYearSourcedId"])
        r.update(courseCode=c["courseCode"], grades=split_list(c["grades"]),
                 subjects=split_list(c["subjects"]),
                 subjectCodes=split_list(c["subjectCodes"]),
                 org=ref("org", c["orgSourcedId"]))
        courses.append(r)
    out["courses"] = courses

    classes = []
    for c in csvs["classes"]:
        r = base(c)
        r.update(title=c["title"], classCode=c["classCode"], classType=c["classType"],
                 location=c["location"], grades=split_list(c["grades"]),
                 subjects=split_list(c["subjects"]),
                 subjectCodes=split_list(c["subjectCodes"]),
                 periods=split_list(c["periods"]),
                 course=ref("course", c["courseSourcedId"]),
                 school=ref("org", c["schoolSourcedId"]),
                 terms=[ref("academicSession", t) for t in split_list(c["termSourcedIds"])])
        classes.append(r)
    out["classes"] = classes

    users = []
    for u in csvs["users"]:
        r = base(u)
        r.update(username=u["username"], userIds=parse_user_ids(u["userIds"]),
                 enabledUser=u["enabledUser"], givenName=u["givenName"],
                 familyName=u["familyName"], middleName=u["middleName"], role=u["role"],
                 identifier=u["identifier"], email=u["email"], sms=u["sms"],
                 phone=u["phone"],
                 agents=[ref("user", a) for a in split_list(u["agentSourcedIds"])],
                 orgs=[ref("org", o) for o in split_list(u["orgSourcedIds"])],
                 grades=split_list(u["grades"]))
        if u["password"]:
            r["password"] = u["password"]
        users.append(r)
    out["users"] = users

    enrollments = []
    for e in csvs["enrollments"]:
        r = base(e)
        r.update(user=ref("user", e["userSourcedId"]), **{"class": ref("class", e["classSourcedId"])})
        r.update(school=ref("org", e["schoolSourcedId"]), role=e["role"],
                 primary=e["primary"], beginDate=e["beginDate"], endDate=e["endDate"])
        enrollments.append(r)
    out["enrollments"] = enrollments

    demo = []
    for d in csvs["demographics"]:
        r = base(d)
        for k, v in d.items():
            if k not in ("sourcedId", "status", "dateLastModified"):
                r[k] = v
        demo.append(r)
    out["demographics"] = demo
    return out


def write_rest(year, recs):
    for coll in REST_COLLECTIONS:
        write(os.path.join(REST_OUT, year, coll + ".json"), dump({coll: recs[coll]}))


# ---------------------------------------------------------------- check

def check():
    errors = []

    def err(msg):
        errors.append(msg)

    def load(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    for year in YEARS:
        csvs = load_year(year)
        # Clever
        pages = {e: load(os.path.join(HERE, year, e + ".json")) for e in CLEVER_ENTITIES}
        ids = {}
        for e, p in pages.items():
            ids[e] = set()
            if p.get("links") != [{"rel": "self", "uri": "/v3.0/" + e}]:
                err("%s clever %s: self link" % (year, e))
            prev = ""
            for item in p["data"]:
                r = item["data"]
                if item["uri"] != "/v3.0/%s/%s" % (e, r["id"]):
                    err("%s clever %s: uri %s" % (year, e, item["uri"]))
                if len(r["id"]) != 24 or any(ch not in "0123456789abcdef" for ch in r["id"]):
                    err("%s clever %s: bad id %s" % (year, e, r["id"]))
                if r["id"] <= prev:
                    err("%s clever %s: not sorted by id" % (year, e))
                prev = r["id"]
                ids[e].add(r["id"])
        want = {"districts": 1, "schools": sum(o["type"] == "school" for o in csvs["orgs"]),
                "terms": sum(s["type"] in ("schoolYear", "semester")
                             for s in csvs["academicSessions"]),
                "courses": len(csvs["courses"]), "sections": len(csvs["classes"]),
                "users": len(csvs["users"])}
        for e, n in want.items():
            if len(ids[e]) != n or len(pages[e]["data"]) != n:
                err("%s clever %s: %d records, CSV has %d" % (year, e, len(ids[e]), n))
        (did,) = ids["districts"]
        for e in CLEVER_ENTITIES[1:]:
            for item in pages[e]["data"]:
                if item["data"]["district"] != did:
                    err("%s clever %s %s: district" % (year, e, item["data"]["id"]))
        for item in pages["sections"]["data"]:
            s = item["data"]
            refs = [("schools", s["school"]), ("courses", s["course"]),
                    ("terms", s["term_id"]), ("users", s["teacher"])]
            refs += [("users", x) for x in s["students"] + s["teachers"]]
            for e, x in refs:
                if x not in ids[e]:
                    err("%s clever section %s: %s %s missing" % (year, s["sis_id"], e, x))
            if s["teacher"] != s["teachers"][0]:
                err("%s clever section %s: teacher" % (year, s["sis_id"]))
        n_enr = sum(len(i["data"]["students"]) + len(i["data"]["teachers"])
                    for i in pages["sections"]["data"])
        if n_enr != len(csvs["enrollments"]):
            err("%s clever: %d section members, CSV has %d enrollments"
                % (year, n_enr, len(csvs["enrollments"])))
        for item in pages["users"]["data"]:
            u = item["data"]
            if len(u["roles"]) != 1:
                err("%s clever user %s: %d roles" % (year, u["id"], len(u["roles"])))
            for role in u["roles"].values():
                for x in role.get("schools", []) + ([role["school"]] if "school" in role else []):
                    if x not in ids["schools"]:
                        err("%s clever user %s: school %s missing" % (year, u["id"], x))
                for rel in role.get("student_relationships", []):
                    if rel["student"] not in ids["users"]:
                        err("%s clever user %s: student %s missing" % (year, u["id"], rel["student"]))
        # REST
        rest = {}
        for coll in REST_COLLECTIONS:
            doc = load(os.path.join(REST_OUT, year, coll + ".json"))
            if list(doc) != [coll]:
                err("%s rest %s: wrapper key" % (year, coll))
            rest[coll] = doc[coll]
            csv_name = coll
            if len(rest[coll]) != len(csvs[csv_name]):
                err("%s rest %s: %d records, CSV has %d"
                    % (year, coll, len(rest[coll]), len(csvs[csv_name])))
            if [r["sourcedId"] for r in rest[coll]] != [r["sourcedId"] for r in csvs[csv_name]]:
                err("%s rest %s: sourcedIds differ from CSV" % (year, coll))
        sids = {REF_COLLECTION[t]: {r["sourcedId"] for r in rest[REF_COLLECTION[t]]}
                for t in REF_COLLECTION}

        def walk(v, where):
            if isinstance(v, dict):
                if set(v) == {"href", "sourcedId", "type"}:
                    coll = REF_COLLECTION[v["type"]]
                    if v["href"] != REST_BASE + coll + "/" + v["sourcedId"]:
                        err("%s rest %s: href %s" % (year, where, v["href"]))
                    if v["sourcedId"] not in sids[coll]:
                        err("%s rest %s: dangling %s %s" % (year, where, v["type"], v["sourcedId"]))
                for k, x in v.items():
                    walk(x, where)
            elif isinstance(v, list):
                for x in v:
                    walk(x, where)
        for coll in REST_COLLECTIONS:
            for r in rest[coll]:
                walk(r, coll + "/" + r["sourcedId"])
        for d in rest["demographics"]:
            if d["sourcedId"] not in sids["users"]:
                err("%s rest demographics %s: no such user" % (year, d["sourcedId"]))
        print("%s: clever %s; rest %s" % (
            year, ", ".join("%s %d" % (e, len(ids[e])) for e in CLEVER_ENTITIES),
            ", ".join("%s %d" % (c, len(rest[c])) for c in REST_COLLECTIONS)))

    # bad pages
    bad = os.path.join(HERE, "bad")
    try:
        load(os.path.join(bad, "broken.json"))
        err("bad/broken.json parses")
    except json.JSONDecodeError:
        pass
    two = load(os.path.join(bad, "two-roles.json"))
    if not any({"student", "teacher"} <= set(i["data"]["roles"]) for i in two["data"]):
        err("bad/two-roles.json: no dual-role user")
    if load(os.path.join(bad, "not-a-list.json")) != {"message": "Not Found"}:
        err("bad/not-a-list.json")
    ug = load(os.path.join(bad, "unknown-grade.json"))
    if not any(i["data"]["roles"]["student"]["grade"] == "Seventh" for i in ug["data"]):
        err("bad/unknown-grade.json")

    for e in errors:
        print("check: " + e, file=sys.stderr)
    return 1 if errors else 0


# ---------------------------------------------------------------- main

def main(argv):
    if argv[1:] not in ([], ["--check"]):
        print("usage: make-fixtures.py [--check]", file=sys.stderr)
        return 2
    prev = None
    clever = {}
    for year in YEARS:
        csvs = load_year(year)
        recs = build_clever(csvs)
        stamp(recs, prev)
        prev = clever[year] = recs
        write_clever(year, recs)
        write_rest(year, build_rest(csvs))
    write_clever_bad(clever["y1"])
    if argv[1:] == ["--check"]:
        return check()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
