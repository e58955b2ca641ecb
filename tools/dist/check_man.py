#!/usr/bin/env python3
"""Checks the man pages: groff renders them without warnings, every option a binary's --help
prints is documented in its page, and every configuration key the parser accepts (the k*Keys
arrays of config/parse_*.cpp) is documented in oomguard.toml(5). Exit 0 ok, 1 failed."""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys


def page_text(path):
    """The roff source with escapes that matter for matching undone ("\\-" -> "-")."""
    text = open(path).read()
    return text.replace("\\-", "-").replace("\\(dq", '"')


def has_word(text, word):
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


def check_groff(man_dir):
    if shutil.which("groff") is None:
        print("note: groff not installed (Debian package groff-base): rendering not checked")
        return []
    errors = []
    for page in sorted(glob.glob(os.path.join(man_dir, "*.[1-8]"))):
        r = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True)
        out = (r.stdout + r.stderr).strip()
        if r.returncode != 0 or out:
            errors.append(f"{os.path.basename(page)}: groff: {out or r.returncode}")
    return errors


def check_options(man_dir, page, binary):
    r = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    usage = r.stdout + r.stderr
    options = sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-h)(?![\w-])", usage)))
    if not options:
        return [f"{binary} --help printed no options:\n{usage}"]
    text = page_text(os.path.join(man_dir, page))
    missing = [o for o in options if not has_word(text, o)]
    if not missing:
        print(f"{page}: {len(options)} options of {os.path.basename(binary)} --help documented")
    return [f"{page}: options of {os.path.basename(binary)} --help not documented: {missing}"] \
        if missing else []


def check_keys(man_dir, sources):
    keys = set()
    for src in sources:
        for block in re.findall(r"k\w+Keys\s*=\s*\{([^}]*)\}", open(src).read()):
            keys |= set(re.findall(r'"([a-z0-9_]+)"', block))
    if len(keys) < 40:
        return [f"found only {len(keys)} configuration keys in {sources}: parser changed?"]
    text = page_text(os.path.join(man_dir, "oomguard.toml.5"))
    missing = sorted(k for k in keys if not has_word(text, k))
    print(f"oomguard.toml.5: {len(keys) - len(missing)} of {len(keys)} configuration keys")
    return [f"oomguard.toml.5: keys not documented: {missing}"] if missing else []


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--man-dir", required=True)
    p.add_argument("--config-source", action="append", required=True)
    p.add_argument("--binary", action="append", default=[], help="PAGE=PATH")
    args = p.parse_args()
    errors = check_groff(args.man_dir)
    for item in args.binary:
        page, _, binary = item.partition("=")
        errors += check_options(args.man_dir, page, binary)
    errors += check_keys(args.man_dir, args.config_source)
    for e in errors:
        print("FAIL: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
