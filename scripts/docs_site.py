#!/usr/bin/env python
"""Helpers of scripts/docs.sh: the docs site's offline inventory, its warning filter, and the look at
the built pages in headless Chromium.

  docs_site.py inventory OUT             write an intersphinx inventory of the Ansible docs' labels
  docs_site.py warnings LOG              fail on any Sphinx warning but an unreachable inventory
  docs_site.py check HTML_DIR [--screenshot PNG]
                                         open every module page and guide page and check what they show

The expectations of `check` come from the sources, not from the built site: the return values,
options and examples from `ansible-doc --json` of the staged collection (ANSIBLE_COLLECTIONS_PATH),
the guides and their code blocks and tables from docs/docsite/extra-docs.yml and the guides' .rst.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = "certops.orders"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# What the generated conf.py (antsibull-docs sphinx-init) gives as this inventory's base address;
# links into the offline inventory point there, as they would with the downloaded one.
ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"


# --- the offline inventory ---------------------------------------------------------------------
# The Ansible docs' labels that the generated pages and the collection's docs refer to (label: page#anchor,
# title). This machine cannot fetch the real inventory; the generated conf.py then falls back to
# ../ansible_devel.inv beside the rst tree, which `inventory` writes, so that these references resolve
# (and link to the real pages) instead of being reported as undefined. A reference to an Ansible docs
# label missing here fails the offline build: add the label here (from the Ansible docs' sources).
ANSIBLE_LABELS = {
    # the "This module has a corresponding action plugin" line of a module with an action plugin
    "action_plugins": ("plugins/action.html#action-plugins", "Action plugins"),
    # "Common return values are documented here" above every return value table
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values",
                             "Return Values"),
    # the generated index of environment variables
    "ansible_configuration_settings": ("reference_appendices/config.html#ansible-configuration-settings",
                                       "Ansible Configuration Settings"),
}


def builtin_module_labels():
    """M(ansible.builtin.NAME) and :ansplugin: references: one label per module of the installed ansible-core."""
    out = subprocess.run(["ansible-doc", "--list", "--json", "-t", "module", "ansible.builtin"],
                         check=True, capture_output=True, text=True).stdout
    labels = {}
    for fqcn, short in json.loads(out).items():
        name = fqcn.rsplit(".", 1)[1]
        labels["ansible_collections.ansible.builtin.%s_module" % name] = (
            "collections/ansible/builtin/%s_module.html#ansible-collections-ansible-builtin-%s-module"
            % (name, name.replace("_", "-")),
            "%s module – %s" % (fqcn, short))
    return labels


def write_inventory(out):
    labels = dict(builtin_module_labels(), **ANSIBLE_LABELS)
    body = "".join("%s std:label -1 %s %s\n" % (label, uri, title)
                   for label, (uri, title) in sorted(labels.items()))
    header = ("# Sphinx inventory version 2\n# Project: Ansible (offline excerpt)\n# Version: devel\n"
              "# The remainder of this file is compressed using zlib.\n")
    Path(out).write_bytes(header.encode() + zlib.compress(body.encode()))
    print("offline inventory: %d labels of the Ansible docs in %s" % (len(labels), out))
    return 0


# --- the warning filter ------------------------------------------------------------------------
# Sphinx reports an intersphinx inventory it can reach nowhere as one warning followed by one line
# per place it tried. Offline, that is expected for the inventories without a local fallback.
UNREACHABLE = "WARNING: failed to reach any of the inventories with the following issues:"
TRIED = re.compile(r"^intersphinx inventory '[^']*' not (fetchable|readable)")


def filter_warnings(log):
    allowed, other = [], []
    lines = Path(log).read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.endswith(UNREACHABLE):
            allowed.append(line)
            while i + 1 < len(lines) and TRIED.match(lines[i + 1]):
                i += 1
                allowed.append("    " + lines[i][:160])
        elif line.strip():
            other.append(line)
        i += 1
    if allowed:
        print("allowed (offline intersphinx), %d line(s):" % len(allowed))
        print("\n".join("  " + a for a in allowed))
    if other:
        print("FAILED: %d other warning line(s) from Sphinx:" % len(other))
        print("\n".join("  " + o for o in other))
        return 1
    print("no other warnings")
    return 0


# --- what the pages must show ------------------------------------------------------------------
def flatten(entries, prefix=""):
    """Every documented key at every depth ('order', 'order/status', ...), as antsibull-docs anchors them."""
    paths = []
    for key, doc in (entries or {}).items():
        path = prefix + key
        paths.append(path)
        nested = doc.get("contains") or doc.get("suboptions") or {}
        paths.extend(flatten(nested, path + "/"))
    return paths


def module_docs():
    modules = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    out = subprocess.run(["ansible-doc", "--json", "-t", "module"] + ["%s.%s" % (COLLECTION, m) for m in modules],
                         check=True, capture_output=True, text=True).stdout
    docs = json.loads(out)
    missing = [m for m in modules if "%s.%s" % (COLLECTION, m) not in docs]
    if missing:
        sys.exit("ansible-doc did not document %s (is the collection staged in ANSIBLE_COLLECTIONS_PATH?)" % missing)
    return {m: docs["%s.%s" % (COLLECTION, m)] for m in modules}


CODE = re.compile(r"^(\s*)\.\. (?:code-block|code|sourcecode)::[ \t]*(\S*)")
DIRECTIVE = re.compile(r"^\s*\.\. [\w:-]+::")
TABLE = re.compile(r"^\s*\.\. (?:list-table|csv-table|table)::")
SIMPLE_TABLE = re.compile(r"^\s*=+( +=+)+\s*$")
GRID_TABLE = re.compile(r"^\s*\+(-+\+)+\s*$")
NO_HIGHLIGHT = {"text", "none", "output"}


def guide_expectations(rst):
    """The code blocks (their languages, '' for the default) and tables (list-table, csv-table and table
    directives, simple and grid tables) the author wrote. A literal block is a paragraph ending in '::'
    (the default language)."""
    lines = rst.splitlines()
    blocks, tables = [], 0
    i = 0
    while i < len(lines):
        line = lines[i]
        after_blank = i == 0 or not lines[i - 1].strip()
        if after_blank and SIMPLE_TABLE.match(line):
            # a simple table ends at a border followed by a blank line (or the end)
            tables += 1
            i += 1
            while i < len(lines) and not (SIMPLE_TABLE.match(lines[i]) and (i + 1 == len(lines) or not lines[i + 1].strip())):
                i += 1
            i += 1
            continue
        if after_blank and GRID_TABLE.match(line):
            tables += 1
            while i < len(lines) and lines[i].lstrip()[:1] in ("+", "|"):
                i += 1
            continue
        code = CODE.match(line)
        literal = (not code and not DIRECTIVE.match(line) and not line.lstrip().startswith("..")
                   and line.rstrip().endswith("::"))
        if TABLE.match(line):
            tables += 1
        if code or literal:
            blocks.append(code.group(2).lower() if code else "")
            indent = len(line) - len(line.lstrip())
            i += 1
            # the block's body: blank lines and lines indented deeper than its marker
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                i += 1
            continue
        i += 1
    return blocks, tables


def guides():
    sections = yaml.safe_load((ROOT / "docs" / "docsite" / "extra-docs.yml").read_text())["sections"]
    return [name for section in sections for name in section["toctree"]]


# --- the browser -------------------------------------------------------------------------------
def browser(profile):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,1000",
                 "--user-data-dir=%s" % profile):
        opts.add_argument(flag)
    # the driver is given, so Selenium's own driver download (selenium-manager) is never asked
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    return driver


class Page:
    def __init__(self, driver, path):
        self.driver, self.path, self.problems = driver, path, []
        driver.get(path.as_uri())

    def fail(self, msg):
        self.problems.append(msg)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def common(self):
        """The page loaded with its theme, shows a heading, and has no reST error markers."""
        from selenium.webdriver.common.by import By

        h1 = self.driver.find_elements(By.CSS_SELECTOR, "[role=main] h1")
        if not h1 or not h1[0].is_displayed() or not h1[0].text.strip():
            self.fail("no visible page heading")
        # the theme's stylesheet applied: its side navigation is laid out as a fixed column
        if self.js("const nav = document.querySelector('nav.wy-nav-side');"
                   "return nav ? getComputedStyle(nav).position : null") != "fixed":
            self.fail("the theme's stylesheet is not applied (no fixed side navigation)")
        for css in (".problematic", ".system-message", ".xref.std-ref:not(a *)"):
            bad = [e.text[:80] for e in self.driver.find_elements(By.CSS_SELECTOR, css)]
            if bad:
                self.fail("%d %s element(s) (unresolved markup or references): %s" % (len(bad), css, bad[:5]))

    def code_block(self, div, language, what):
        """A rendered code block: visible, not empty, and highlighted when its language is one."""
        rect = div.rect
        if not div.is_displayed() or rect["height"] < 10 or rect["width"] < 100:
            self.fail("%s is not visible (size %sx%s)" % (what, rect["width"], rect["height"]))
        text = div.text
        if not text.strip():
            self.fail("%s is empty" % what)
        if language in NO_HIGHLIGHT:
            return text
        # highlighted: Pygments marked tokens, and the theme's style gives them another colour than the text
        colours = self.js("""
            const pre = arguments[0].querySelector('pre');
            if (!pre) return null;
            const base = getComputedStyle(pre).color;
            const tokens = [...pre.querySelectorAll('span[class]')].filter(s => s.className != 'w');
            return [tokens.length, tokens.filter(s => getComputedStyle(s).color != base).length];""", div)
        if not colours or colours[0] == 0:
            self.fail("%s is not highlighted (no tokens)" % what)
        elif colours[1] == 0:
            self.fail("%s has %d tokens but none is coloured (highlighting style not applied)" % (what, colours[0]))
        return text


def check_module(driver, html, name, doc):
    from selenium.webdriver.common.by import By

    page = Page(driver, html / "collections" / "certops" / "orders" / ("%s_module.html" % name))
    page.common()
    d = page.driver
    notes = []
    # one row per documented return value and option, nested ones (contains, suboptions) included;
    # the rows are read in one script (a round trip per row would take seconds per page)
    for kind, section, anchor, documented in (
            ("return value", "return-values", "return-", doc.get("return")),
            ("option", "parameters", "parameter-", doc["doc"].get("options"))):
        if not documented:
            continue
        expected = flatten(documented)
        rows = page.js("""
            return [...document.querySelectorAll(arguments[0])].map(tr => ({
                ids: [...tr.querySelectorAll('div.ansibleOptionAnchor')].map(a => a.id),
                title: (tr.querySelector('.ansible-option-title') || {innerText: ''}).innerText.trim(),
                shown: tr.getClientRects().length > 0 && tr.getBoundingClientRect().height > 0
                       && getComputedStyle(tr).visibility != 'hidden'}));""",
                       "section#%s table.ansible-option-table > tbody > tr" % section)
        shown = {}
        for row in rows:
            # a row is anchored by its path, and by each alias's path besides
            paths = [i[len(anchor):] for i in row["ids"] if i.startswith(anchor)]
            path = next((p for p in paths if p in expected), paths[0] if paths else "?")
            shown[path] = row
        missing = [p for p in expected if p not in shown]
        extra = [p for p in shown if p not in expected]
        if missing:
            page.fail("%d documented %s(s) have no row: %s" % (len(missing), kind, missing[:8]))
        if extra:
            page.fail("rows for undocumented %s(s): %s" % (kind, extra[:8]))
        if len(rows) != len(expected):
            page.fail("%d %s rows for %d documented %ss" % (len(rows), kind, len(expected), kind))
        hidden = [p for p, row in shown.items() if not row["shown"] or row["title"] != p.rsplit("/", 1)[-1]]
        if hidden:
            page.fail("%s row(s) not shown with their key as title: %s" % (kind, hidden[:8]))
        notes.append("%d %s rows" % (len(rows), kind))
    # the examples: one highlighted YAML block holding the EXAMPLES text, line for line
    blocks = d.find_elements(By.CSS_SELECTOR, "section#examples div[class*='highlight-']")
    if len(blocks) != 1:
        page.fail("%d example blocks, expected 1" % len(blocks))
    else:
        text = page.code_block(blocks[0], "yaml+jinja", "the examples block")
        want = [line.rstrip() for line in doc["examples"].strip("\n").splitlines()]
        got = [line.rstrip() for line in text.strip("\n").splitlines()]
        if got != want:
            first = next((n for n, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            page.fail("the examples block differs from EXAMPLES at line %d: %r != %r"
                      % (first + 1, got[first:first + 1], want[first:first + 1]))
        notes.append("examples highlighted (%d lines)" % len(got))
    return page, notes


def check_guide(driver, html, name):
    from selenium.webdriver.common.by import By

    blocks, tables = guide_expectations((ROOT / "docs" / "docsite" / "rst" / ("%s.rst" % name)).read_text())
    page = Page(driver, html / "collections" / "certops" / "orders" / "docsite" / ("%s.html" % name))
    page.common()
    divs = page.driver.find_elements(By.CSS_SELECTOR, "[role=main] div[class*='highlight-']")
    if len(divs) != len(blocks):
        page.fail("%d code blocks shown, %d in the source" % (len(divs), len(blocks)))
    for n, (div, language) in enumerate(zip(divs, blocks), 1):
        page.code_block(div, language or "yaml+jinja", "code block %d (%s)" % (n, language or "default"))
    shown_tables = [t for t in page.driver.find_elements(By.CSS_SELECTOR, "[role=main] table.docutils")
                    if t.is_displayed()]
    if len(shown_tables) != tables:
        page.fail("%d tables shown, %d in the source" % (len(shown_tables), tables))
    return page, ["%d code blocks" % len(divs), "%d tables" % len(shown_tables)]


def check(html, screenshot):
    html = Path(html).resolve()
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            sys.exit("%s is missing: scripts/setup.sh installs Debian's chromium and chromium-driver" % tool)
    docs = module_docs()
    t0 = time.monotonic()
    failed = 0
    with tempfile.TemporaryDirectory(prefix="docs-chromium-") as profile:
        driver = browser(profile)
        try:
            pages = [check_module(driver, html, name, doc) for name, doc in docs.items()]
            if screenshot:
                # the top of the return value table, nested rows in view: what the check above looks at
                driver.get((html / "collections" / "certops" / "orders" / "softlayer_cert_order_module.html").as_uri()
                           + "#return-values")
                driver.set_window_size(1280, 1600)
                Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                if not driver.save_screenshot(str(screenshot)):
                    pages.append((None, ["FAILED: no screenshot"]))
            pages += [check_guide(driver, html, name) for name in guides()]
        finally:
            driver.quit()
    for page, notes in pages:
        if page is None:
            failed += 1
            print(notes[0])
            continue
        where = page.path.relative_to(html)
        if page.problems:
            failed += 1
            print("FAILED %s:" % where)
            print("\n".join("  - " + p for p in page.problems))
        else:
            print("ok %s: %s" % (where, ", ".join(notes)))
    if screenshot:
        print("screenshot: %s" % screenshot)
    print("%d pages looked at in %.1fs, %d failed" % (len(pages), time.monotonic() - t0, failed))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("inventory").add_argument("out")
    sub.add_parser("warnings").add_argument("log")
    c = sub.add_parser("check")
    c.add_argument("html")
    c.add_argument("--screenshot")
    args = ap.parse_args()
    if args.cmd == "inventory":
        return write_inventory(args.out)
    if args.cmd == "warnings":
        return filter_warnings(args.log)
    return check(args.html, args.screenshot)


if __name__ == "__main__":
    sys.exit(main())
