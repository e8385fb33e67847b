#!/usr/bin/env python3
"""The summary table's warning tags (report.html, dumped DOM): a figure that a warning of the warnings box
qualifies links to it ("⚠ N"), by port, kind and load, as the plots do; a figure no warning concerns has no tag.
usage: check_summary_tags.py DOM.html results.json"""
import json
import re
import sys

dom = open(sys.argv[1], encoding="utf-8").read()
results = json.load(open(sys.argv[2], encoding="utf-8"))
warnings = results["warnings"]


def table(port):
    m = re.search(r'<table class="summary" data-port="%s">(.*?)</table>' % re.escape(port), dom, re.S)
    if not m:
        sys.exit("FAIL summary tags: no summary table for port %s" % port)
    return m.group(1)


def row_tags(port, figure):
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table(port), re.S):
        first = re.match(r"<td[^>]*>(.*?)</td>", tr, re.S)
        if first and first.group(1).startswith(figure):
            return sorted(int(n) for n in re.findall(r'href="#warning-(\d+)"', first.group(1)))
    sys.exit("FAIL summary tags: no row '%s' in the %s table" % (figure, port))


def expect(port, figure, want):
    got = row_tags(port, figure)
    if got != want:
        sys.exit("FAIL summary tags: %s '%s' links to warnings %s, expected %s" % (port, figure, got, want))


def numbers(pred):  # warning numbers (1-based, as the box numbers them) whose text matches
    return [i + 1 for i, w in enumerate(warnings) if pred(w)]


hp_load = next(p["nominal_load"] for p in results["ports"] if p["name"] == "headphone")
# THD+N at the reference level (the nominal load): the analyser-floor warning of that load and the port's
# range advice; |Zout| and the response: neither.
floor = numbers(lambda w: w.startswith("headphone into %s: within 3 dB of the analyser" % hp_load))
rng = numbers(lambda w: w.startswith("headphone: the reference tone reads"))
if not floor or not rng:
    sys.exit("FAIL summary tags: the run lacks the warnings this check expects: %s" % warnings)
expect("headphone", "THD+N / THD at the reference level", sorted(floor + rng))
expect("headphone", "|Zout| at 20 Hz", [])
expect("headphone", "response deviation", [])
print("ok summary tags: headphone THD+N links to warnings %s, |Zout| and response to none" % sorted(floor + rng))
