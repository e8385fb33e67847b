#!/usr/bin/env python3
"""Validate outbench's JSON files against the JSON Schemas in reports/schema (draft 2020-12).

Usage:
  validate.py SCHEMA FILE...                   validate files against one schema (exit 1 on the first invalid)
  validate.py --suite OUTBENCH SOURCE_DIR WORK the test (ctest schema.validate): every fixture (devices, benches,
                                               rules), the results.json of `outbench run --quick` on every shipped
                                               device and on the simulated bench, the outbench/1 test file; then
                                               deliberately wrong documents, each of which must be rejected.
Needs python3-jsonschema (Debian 12: 4.10, which has Draft202012Validator). Exit 0: all as expected.
"""
import copy
import glob
import json
import os
import subprocess
import sys

import jsonschema


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validator(schema_path):
    schema = load(schema_path)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(v, doc):
    return ["%s: %s" % (e.json_path, e.message[:200]) for e in v.iter_errors(doc)]


def check_valid(v, doc, name, failures):
    errs = errors(v, doc)
    print("%-8s %s%s" % ("ok" if not errs else "INVALID", name, "" if not errs else ": " + "; ".join(errs[:3])))
    if errs:
        failures.append(name)


def check_rejected(v, doc, name, failures, must_mention):
    errs = errors(v, doc)
    hit = [e for e in errs if must_mention in e]
    print("%-8s %s%s" % ("rejected" if hit else "ACCEPTED", name, ": " + errs[0] if errs else ""))
    if not hit:
        failures.append(name + " (expected an error mentioning " + must_mention + ")")


def run_outbench(outbench, args, out_dir):
    """`outbench run --quick` into out_dir; returns the path of its results.json."""
    cmd = [outbench, "run", "--quick", "-q", "-o", out_dir] + args
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit("%s failed (exit %d): %s" % (" ".join(cmd), p.returncode, p.stderr[-500:]))
    return os.path.join(out_dir, "results.json")


def outbench_refuses(outbench, args, work, name, failures, mention=None):
    """The C++ reader must refuse the same document (exit 2, a usage/input error; its message naming `mention`)."""
    p = subprocess.run([outbench, "run", "--quick", "-q", "-o", os.path.join(work, "refused")] + args,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ok = p.returncode == 2 and (mention is None or mention in p.stderr)
    print("%-8s %s (outbench exit %d%s)" % ("refused" if ok else "ACCEPTED", name, p.returncode,
                                           ": " + p.stderr.strip()[:160] if mention else ""))
    if not ok:
        failures.append(name + ": outbench exit %d, expected 2%s: %s" % (p.returncode, " naming " + mention if mention else "",
                                                                      p.stderr[-300:]))


def write(work, name, doc):
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return path


def suite(outbench, src, work):
    os.makedirs(work, exist_ok=True)
    sd = os.path.join(src, "reports", "schema")
    device, bench = validator(os.path.join(sd, "device.schema.json")), validator(os.path.join(sd, "bench.schema.json"))
    rules, results = validator(os.path.join(sd, "rules.schema.json")), validator(os.path.join(sd, "results.schema.json"))
    failures = []
    devices = sorted(glob.glob(os.path.join(src, "fixtures", "devices", "*.json")))
    for f in devices:
        check_valid(device, load(f), os.path.relpath(f, src), failures)
    for f in sorted(glob.glob(os.path.join(src, "fixtures", "benches", "*.json"))):
        check_valid(bench, load(f), os.path.relpath(f, src), failures)
    for f in sorted(glob.glob(os.path.join(src, "fixtures", "verdicts", "*.json"))):
        check_valid(rules, load(f), os.path.relpath(f, src), failures)
    headphone = validator(os.path.join(sd, "headphone.schema.json"))
    for f in sorted(glob.glob(os.path.join(src, "fixtures", "headphones", "*.json"))):
        check_valid(headphone, load(f), os.path.relpath(f, src), failures)
    runs = [(os.path.basename(f)[:-5], ["--device", f]) for f in devices]
    runs.append(("simulated-usb bench", ["--bench", os.path.join(src, "fixtures", "benches", "simulated-usb.json")]))
    clocked = load(os.path.join(src, "fixtures", "devices", "phone-dongle.json"))  # two clocks: conditions.clock
    clocked["clock_ppm"] = 150
    runs.append(("phone-dongle at +150 ppm", ["--device", write(work, "dongle-150ppm.json", clocked)]))
    outputs = {}
    for i, (name, args) in enumerate(runs):
        outputs[name] = load(run_outbench(outbench, args, os.path.join(work, "run%d" % i)))
        check_valid(results, outputs[name], "results.json of outbench run --quick: " + name, failures)
    clock = outputs["phone-dongle at +150 ppm"]["conditions"].get("clock", {})
    if not clock.get("captures") or "unresolved" not in clock:
        failures.append("phone-dongle at +150 ppm: no conditions.clock.captures / unresolved in results.json")
    else:
        bad = copy.deepcopy(outputs["phone-dongle at +150 ppm"])
        bad["conditions"]["clock"]["captures"][0]["u_ppm"] = "0.01"
        check_rejected(results, bad, "results with clock.captures[0].u_ppm \"0.01\" (a string)", failures, "'0.01'")
    v1 = os.path.join(src, "tests", "data", "results-outbench1-dongle.json")
    check_valid(results, load(v1), os.path.relpath(v1, src) + " (outbench/1)", failures)

    # Deliberately wrong documents: the schemas must reject each (and the readers too, where they are strict).
    b = load(os.path.join(src, "fixtures", "benches", "simulated-usb.json"))
    bad = copy.deepcopy(b)  # an optional key misspelt: a reader that ignored it would run uncalibrated
    bad["ports"]["line"]["vrms_at_0dbf"] = bad["ports"]["line"].pop("vrms_at_0dbfs")
    check_rejected(bench, bad, "bench with ports.line.vrms_at_0dbf (misspelt)", failures, "vrms_at_0dbf'")
    bad = copy.deepcopy(b)
    bad["safety"]["max_mW"] = bad["safety"].pop("max_mw")
    check_rejected(bench, bad, "bench with safety.max_mW (misspelt)", failures, "max_mW")
    bad = copy.deepcopy(b)
    bad["load_switch"] = {"type": "relay"}
    check_rejected(bench, bad, "bench with load_switch.type \"relay\"", failures, "relay")
    two = load(os.path.join(src, "fixtures", "benches", "phone-dongle-usb-interface.json"))
    bad = copy.deepcopy(two)  # the two-device form: a misspelt key of the analyser's section (first: in the message)
    bad["audio"] = {"input": {"vrms_at_0dbf": 1.0, **two["audio"]["input"]},
                    **{k: v for k, v in two["audio"].items() if k != "input"}}
    check_rejected(bench, bad, "two-device bench with audio.input.vrms_at_0dbf (misspelt)", failures, "vrms_at_0dbf'")
    outbench_refuses(outbench, ["--bench", write(work, "bad-two.json", bad)], work, "the same bench", failures)
    bad = {"loopback_input": {"impedance_ohms": 1e6}, **copy.deepcopy(two)}  # the analyser's input twice
    check_rejected(bench, bad, "two-device bench with loopback_input too", failures, "loopback_input")
    outbench_refuses(outbench, ["--bench", write(work, "bad-two-lb.json", bad)], work, "the same bench", failures)
    # impedance_vs_freq (calibrate input-impedance): the schema describes what outbench reads, no looser. A curve
    # as calibrate writes it is accepted by both; each broken copy is rejected by the schema and refused by run.
    zin = b["loopback_input"]["impedance_ohms"]
    curve = {"series_ohms": 22000.0, "source_ohms": 100.0, "tolerance_pct": 1.0, "fit": {"r_ohms": zin, "c_pf": 0.0},
             "points": [{"freq_hz": f, "ohms": zin, "r_ohms": zin, "x_ohms": 0.0} for f in (20.0, 1000.0, 20000.0)]}
    good = copy.deepcopy(b)
    good["audio"]["device_model"] = os.path.join(src, "fixtures", "devices", "usb-interface.json")  # written elsewhere
    good["loopback_input"]["impedance_vs_freq"] = curve
    check_valid(bench, good, "bench with impedance_vs_freq as calibrate writes it", failures)
    p = subprocess.run([outbench, "run", "--quick", "-q", "--ports", "line", "--loads", "open,10k", "--tests", "zout",
                        "-o", os.path.join(work, "zin-ok"), "--bench", write(work, "zin-ok.json", good)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    print("%-8s the same bench (outbench exit %d)" % ("ok" if p.returncode == 0 else "REFUSED", p.returncode))
    if p.returncode != 0:
        failures.append("bench with impedance_vs_freq as calibrate writes it: outbench exit %d: %s" % (p.returncode, p.stderr[-300:]))
    for name, edit, mention in [
            ("a point without x_ohms", lambda z: z["points"][1].pop("x_ohms"), "x_ohms"),
            ("a point of freq_hz and ohms only", lambda z: z["points"].__setitem__(1, {"freq_hz": 1000.0, "ohms": zin}), "r_ohms"),
            ("a point with a misspelt key", lambda z: z["points"][1].__setitem__("x_ohm", 0.0), "x_ohm"),
            ("one point", lambda z: z.__setitem__("points", z["points"][:1]), "short"),
            ("no points", lambda z: z.pop("points"), "points"),
            ("a negative r_ohms", lambda z: z["points"][0].__setitem__("r_ohms", -zin), "r_ohms"),
            ("series_ohms 0", lambda z: z.__setitem__("series_ohms", 0), "series_ohms"),
            ("source_ohms -1", lambda z: z.__setitem__("source_ohms", -1), "source_ohms"),
            ("fit.r_ohms -5", lambda z: z["fit"].__setitem__("r_ohms", -5), "fit.r_ohms"),
            ("fit.c_pf -1", lambda z: z["fit"].__setitem__("c_pf", -1), "c_pf"),
            ("fit with a misspelt key", lambda z: z["fit"].__setitem__("c_nf", 1.0), "c_nf"),
            ("an unknown key", lambda z: z.__setitem__("fitted", {}), "fitted")]:
        bad = copy.deepcopy(good)
        edit(bad["loopback_input"]["impedance_vs_freq"])
        check_rejected(bench, bad, "bench with impedance_vs_freq: " + name, failures, mention)
        outbench_refuses(outbench, ["--bench", write(work, "bad-zin.json", bad)], work, "the same bench", failures,
                         "impedance_vs_freq")

    d = load(os.path.join(src, "fixtures", "devices", "phone-dongle.json"))
    bad = copy.deepcopy(d)
    bad["ports"]["headphone"]["source_r_ohms"] = "1.0"
    check_rejected(device, bad, "device with source_r_ohms \"1.0\" (a string)", failures, "'1.0'")
    outbench_refuses(outbench, ["--device", write(work, "bad-device.json", bad)], work, "the same device", failures)
    bad = copy.deepcopy(d)
    bad["ports"]["headphone"]["source_r_ohms"] = [1, 2, 3]
    check_rejected(device, bad, "device with source_r_ohms [1, 2, 3]", failures, "source_r_ohms")
    r = load(os.path.join(src, "fixtures", "verdicts", "default.json"))
    bad = copy.deepcopy(r)
    bad["max_thdn"] = bad.pop("max_thdn_db")
    check_rejected(rules, bad, "rules with max_thdn (misspelt max_thdn_db)", failures, "max_thdn")
    outbench_refuses(outbench, ["--device", devices[0], "--rules", write(work, "bad-rules.json", bad)], work,
                     "the same rules", failures)
    res = outputs["simulated-usb bench"]
    bad = copy.deepcopy(res)
    bad["verdicts"][0]["grade"] = "maybe"
    check_rejected(results, bad, "results with verdicts[0].grade \"maybe\"", failures, "maybe")
    bad = copy.deepcopy(res)
    bad["ports"][0]["loads"][1]["max_level"]["stop_reason"] = "thdn_10pct"
    check_rejected(results, bad, "results with an unknown stop_reason", failures, "thdn_10pct")
    bad = copy.deepcopy(res)
    bad["ports"][0]["loads"][1]["noise"]["unweighted_dbfs"] = "-100"
    check_rejected(results, bad, "results with noise.unweighted_dbfs \"-100\"", failures, "'-100'")
    bad = copy.deepcopy(res)
    del bad["verdicts"][0]["rules"][0]["grade"]
    check_rejected(results, bad, "outbench/2 results whose rule has no grade", failures, "grade")
    # Spectra: well-typed values no run writes are rejected by the schema and refused by `outbench report`.
    li = next(i for i, l in enumerate(res["ports"][0]["loads"]) if l["valid"] and "noise_spectrum" in l)
    for name, key, field, value, mention in [("noise_spectrum.scale \"bogus\"", "noise_spectrum", "scale", "bogus", "bogus"),
                                             ("spectrum.points_per_octave 1e9", "spectrum", "points_per_octave", 1e9, "1000"),
                                             ("noise_spectrum.bin_hz 0", "noise_spectrum", "bin_hz", 0, "bin_hz")]:
        bad = copy.deepcopy(res)
        bad["ports"][0]["loads"][li][key][field] = value
        check_rejected(results, bad, "results with " + name, failures, mention)
        path = write(work, "bad-results.json", bad)
        p = subprocess.run([outbench, "report", path, "-o", os.path.join(work, "bad-results.html")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        named = "ports[0].loads[%d].%s.%s" % (li, key, field) in p.stderr
        print("%-8s the same results (outbench report exit %d%s)" % ("refused" if p.returncode == 2 and named else "ACCEPTED",
                                                                    p.returncode, "" if named else ", path not named"))
        if p.returncode != 2 or not named:
            failures.append("results with %s: outbench report exit %d: %s" % (name, p.returncode, p.stderr[-300:]))
    ok = copy.deepcopy(res)
    ok["ports"][0]["some_new_field"] = {"x": 1}
    check_valid(results, ok, "results with an unknown new field (allowed)", failures)

    if failures:
        print("\n%d failure(s):\n  %s" % (len(failures), "\n  ".join(failures)))
        return 1
    print("\nall as expected")
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "--suite":
        return suite(argv[2], argv[3], argv[4])
    if len(argv) < 3 or argv[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    v, failures = validator(argv[1]), []
    for f in argv[2:]:
        check_valid(v, load(f), f, failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
