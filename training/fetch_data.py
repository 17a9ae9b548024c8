"""Fetch the training corpora and the test sets from their public sources, convert them into the
files that training and evaluation read, and check every file against the SHA-256 list committed
in training/data_files.sha256.

    python -m training.fetch_data --out ../shared/data                       # download (~35 MB), convert, check
    python -m training.fetch_data --only tatoeba-test flores200-devtest      # some of them (names below)
    python -m training.fetch_data --verify-only --out ../shared/data         # check a folder, write nothing
    python -m training.fetch_data --from /media/usb/data --out ../shared/data     # offline: a converted copy
    python -m training.fetch_data --downloads ~/dawn-downloads --out ../shared/data  # keep the raw downloads...
    python -m training.fetch_data --from ~/dawn-downloads --out ../shared/data       # ...and convert them offline
    python -m training.fetch_data --write-sha256 --out ../shared/data        # maintainers: rewrite the list

`--from DIR` takes either a converted data folder (one laid out like --out, for example another
machine's ../shared/data: its files are checked and copied) or a folder of raw downloads kept by
`--downloads DIR` (converted as if just downloaded, with no network). The raw layout is
`github/OWNER/REPO/COMMIT/PATH` for a file of a repository at a commit, `github/OWNER/REPO/COMMIT.tar.gz`
for a whole repository (python-docs-zh-cn, global-asp/global-asp, global-asp/asp-source) and
`manythings.org/anki/cmn-eng.zip`. A missing or changed file, a failed download or a download that
cannot be converted is one line naming the file, and the exit status is 1; nothing is written for a
file whose checksum differs unless --allow-mismatch says so.

| name (--only) | writes | from (repository@commit; the full commits are in SOURCES) |
|---|---|---|
| tatoeba-cmn | tatoeba-cmn/cmn.txt, _about.txt | manythings.org/anki cmn-eng.zip (release dated 2026-02-13) |
| tatoeba-test | tatoeba-test/tatoeba-test-v2020-07-28.*, -v2021-08-07.* | Helsinki-NLP/OPUS-MT-testsets@ac0f19c0 |
| flores200-devtest | flores200-devtest/zho_Hans.devtest, eng_Latn.devtest | Helsinki-NLP/OPUS-MT-testsets@ac0f19c0 |
| mono-en | mono-en/commonvoice_en.txt | skanderbenalaya/common-voice@26249db6 |
| bible_cuvs_kjv | extra-zh-en/bible_cuvs_kjv.zh, .en | tkacikr/bible-tools@90a9bf78 |
| python_docs_zhcn | extra-zh-en/python_docs_zhcn.zh, .en | python/python-docs-zh-cn@693cf6be |
| mlqe_pe_wiki | extra-zh-en/mlqe_pe_wiki.zh, .en | sheffieldnlp/mlqe-pe@2a670a11 |
| tico19 | extra-zh-en/tico19.zh, .en | tico-19/tico-19.github.io@d97615f9 |
| xquad_wiki | extra-zh-en/xquad_wiki.zh, .en | google-deepmind/xquad@7d30520c |
| ud_pud_zh_trad | extra-zh-en/ud_pud_zh_trad.zh, .en | UniversalDependencies/UD_Chinese-PUD@2849afd9 |
| gasp | extra-zh-en/gasp.zh, .en | global-asp/global-asp@b0193c31 + global-asp/asp-source@99e02236 |
| mgsm | extra-zh-en/mgsm.zh, .en | google-research/url-nlp@452a21ad |
| zerotohero_grammar | extra-zh-en/zerotohero_grammar.zh, .en | openlanguageprofiles/olp-zh-zerotohero@472ce7a3 |

`--only extra-zh-en` names the nine corpora of that folder. Their pairs never occur in the test sets
(except one, below), so converting them reads the test sets under --out first, fetching them when
they are missing there.

How far each conversion is known to be right. The test sets and mono-en are byte copies of the
pinned files. The nine extra-zh-en converters were written to reproduce the published files: their
rules (markup removed, whitespace collapsed, sentences split where the counts agree, and the filters:
a Chinese side with at least one Han character, no exact duplicate, no test-set overlap, length
ratios and limits) were read off those files, and with snapshots of the pinned commits every one of
the 18 files came out byte for byte equal. Thresholds that the published files only bound from
both sides (for example "English at most 8 times longer than the Chinese") are the values that
reproduce them. python_docs_zhcn was published without the test-overlap filter and keeps one pair
whose English ("See above.") is a Tatoeba-test sentence; training drops it (dawn.data.remove_test_overlap).
What could not be exercised here, having no internet: the downloads themselves (GitHub raw files and
codeload tarballs, manythings.org) and the manythings zip. manythings.org republishes cmn-eng.zip
without versions; the command asks the Internet Archive for the capture nearest the release date
first, then the live file, and the SHA-256 check is what tells whether the release is the right one.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import html
import http.client
import io
import json
import os
import re
import sys
import tarfile
import tempfile
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

DEFAULT_OUT = Path("../shared/data")
SHA256_LIST = Path(__file__).with_name("data_files.sha256")
TEST_FOLDERS = ("tatoeba-test", "flores200-devtest")  # what the extra-zh-en pairs must not overlap
USER_AGENT = "code-dawn-2014-fetch-data/1.0 (python urllib)"
TIMEOUT_S = 60


class FetchError(Exception):
    """A problem to report in one line (a download, a missing file, an unreadable list)."""


# ----------------------------------------------------------------------------- the SHA-256 list

def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_sha256_list(path: Path) -> dict[str, str]:
    """`sha256sum` format (`HEX  PATH` or `HEX *PATH`, one a line) -> {relative path: hex}."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise FetchError(f"{path}: cannot read the SHA-256 list ({e.strerror or e})") from None
    expected = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        m = re.fullmatch(r"([0-9a-f]{64}) [ *](\S.*)", line)
        if m is None:
            raise FetchError(f"{path}:{lineno}: expected 'SHA256  PATH' (sha256sum format), found {line[:80]!r}")
        if m.group(2) in expected:
            raise FetchError(f"{path}:{lineno}: {m.group(2)} is listed twice")
        expected[m.group(2)] = m.group(1)
    return expected


def format_sha256_list(hashes: dict[str, str]) -> str:
    """{relative path: hex} -> the list's text, sorted by path (what `sha256sum` prints, and reads with -c)."""
    return "".join(f"{hashes[p]}  {p}\n" for p in sorted(hashes))


# ----------------------------------------------------------------------------- downloads

@dataclass(frozen=True)
class Download:
    """One file to download: where it is kept under --downloads / --from, and the URLs to try in order."""
    path: str
    urls: tuple[str, ...]


def github_file(repo: str, commit: str, path: str) -> Download:
    """A file of a GitHub repository at a commit (raw.githubusercontent.com)."""
    url = f"https://raw.githubusercontent.com/{repo}/{commit}/{urllib.parse.quote(path)}"
    return Download(f"github/{repo}/{commit}/{path}", (url,))


def github_tarball(repo: str, commit: str) -> Download:
    """A whole repository at a commit, as GitHub's .tar.gz (one top folder, REPO-COMMIT/)."""
    return Download(f"github/{repo}/{commit}.tar.gz", (f"https://codeload.github.com/{repo}/tar.gz/{commit}",))


def download(url: str) -> bytes:
    """The bytes at `url`; a FetchError saying why not."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.read()
    except urllib.error.HTTPError as e:
        raise FetchError(f"HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        raise FetchError(str(e.reason)) from None
    except (OSError, http.client.HTTPException) as e:  # timeouts, resets, a transfer cut short
        raise FetchError(str(e) or type(e).__name__) from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, so that a file is either whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Downloader:
    """Gets a Download from the cache folder when it is there, else from the network (unless offline)."""
    cache: Path | None = None
    offline: bool = False

    def get(self, d: Download) -> bytes:
        kept = self.cache / d.path if self.cache else None
        if kept is not None and kept.is_file():
            return kept.read_bytes()
        if self.offline:
            raise FetchError(f"{d.path}: not in the local copy {self.cache}")
        reasons = []
        for url in d.urls:
            try:
                data = download(url)
            except FetchError as e:
                reasons.append(f"{url}: {e}")
                continue
            if kept is not None:
                try:
                    write_atomically(kept, data)
                except OSError as e:
                    raise FetchError(f"{kept}: cannot keep the download ({e.strerror or e})") from None
            return data
        raise FetchError("cannot download " + "; ".join(reasons))


class Raw:
    """The downloaded bytes of one source, looked up by Download."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files

    def bytes(self, d: Download) -> bytes:
        return self.files[d.path]

    def text(self, d: Download) -> str:
        return self.files[d.path].decode("utf-8")

    def tree(self, d: Download) -> dict[str, bytes]:
        """The regular files of a .tar.gz, by path inside its one top folder."""
        files = {}
        with tarfile.open(fileobj=io.BytesIO(self.files[d.path]), mode="r:gz") as tar:
            for member in tar:
                _, _, inner = member.name.partition("/")
                if member.isfile() and inner:
                    files[inner] = tar.extractfile(member).read()
        return files


# ----------------------------------------------------------------------------- text, shared by the converters

HAN = re.compile(r"[\u4e00-\u9fff]")                       # a Chinese side needs one Han character
CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"  # Han, CJK and fullwidth punctuation
CJK_SPACE = re.compile(rf"(?<=[\u2018-\u201f{CJK}]) (?=[\u2018-\u201f{CJK}])")  # a space between two (‘’“” count)
TAG = re.compile(r"<[^>]{0,200}>")                         # an HTML tag (or anything that looks like one)
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff]")


def scrub(text: str) -> str:
    """HTML entities decoded, tags replaced by a space, zero-width characters removed; whitespace kept."""
    return ZERO_WIDTH.sub("", TAG.sub(" ", html.unescape(text)))


def clean(text: str) -> str:
    """scrub(), then every run of whitespace (line breaks included) collapsed to one space."""
    return " ".join(scrub(text).split())


def squeeze(zh: str) -> str:
    """Drop the spaces between two Chinese characters or marks: 起 初 ， 神 -> 起初，神."""
    return CJK_SPACE.sub("", zh)


def nospace_len(text: str) -> int:
    return len(text.replace(" ", ""))


@dataclass(frozen=True)
class HeldOut:
    """The test sets' sentences (normalised as training compares them): pairs to keep out of training data."""
    zh: frozenset[str] = frozenset()
    en: frozenset[str] = frozenset()

    @classmethod
    def from_folders(cls, folders: Iterable[Path]) -> "HeldOut":
        from dawn.data import held_out_sentences  # imported here: the library (and torch) only when converting
        zh, en = held_out_sentences([str(f) for f in folders])
        return cls(frozenset(zh), frozenset(en))

    def __contains__(self, pair: tuple[str, str]) -> bool:
        if not self.zh and not self.en:
            return False
        zh, en = normalized(*pair)
        return zh in self.zh or en in self.en


def normalized(zh: str, en: str) -> tuple[str, str]:
    """A pair as training compares it with the test sets (Traditional -> Simplified, whitespace)."""
    from dawn.text import normalize_en, normalize_zh
    return normalize_zh(zh), normalize_en(en)


def keep_pairs(pairs: Iterable[tuple[str, str]], held_out: HeldOut, max_ratio: float | None = None,
               drop_overlap: bool = True) -> list[tuple[str, str]]:
    """(zh, en) pairs in order, without: an empty side, a Chinese side with no Han character, an exact
    duplicate, an English side more than `max_ratio` times as long as the Chinese (spaces not counted),
    and (with drop_overlap) a side that occurs in a test set."""
    kept, seen = [], set()
    for zh, en in pairs:
        if not zh or not en or (zh, en) in seen or not HAN.search(zh):
            continue
        if max_ratio is not None and len(en) > max_ratio * nospace_len(zh):
            continue
        if drop_overlap and (zh, en) in held_out:
            continue
        seen.add((zh, en))
        kept.append((zh, en))
    return kept


def corpus_files(name: str, pairs: list[tuple[str, str]]) -> dict[str, bytes]:
    """extra-zh-en/NAME.zh and NAME.en: one sentence a line, line-aligned, UTF-8, each line ending in \\n."""
    def lines(side: int) -> bytes:
        return "".join(p[side] + "\n" for p in pairs).encode("utf-8")
    return {f"extra-zh-en/{name}.zh": lines(0), f"extra-zh-en/{name}.en": lines(1)}


# Sentence splitting, for the corpora whose units are paragraphs. A paragraph pair is split only where
# both sides split into the same number of sentences; otherwise it stays one pair.

def split_paragraph_zh(text: str) -> list[str]:
    """XQuAD's Chinese: a cut after every 。？！."""
    return [s for s in re.split(r"(?<=[。？！])", text) if s.strip()]


def split_paragraph_en(text: str) -> list[str]:
    """XQuAD's English: a cut after . ? ! (and closing quotes or brackets) and a space, before a capital,
    a digit, or an opening quote or bracket followed by one. Initials (William E. Simon) are cut too."""
    out, start = [], 0
    for m in re.finditer(r"[.?!]+[\"”’')\]]*\s+(?=[\"“‘(]?[A-Z0-9])", text):
        out.append(text[start:m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def split_story_zh(text: str) -> list[str]:
    """Stories' and problems' Chinese: a cut after 。！？… outside quotation marks, and after a closing ”
    that follows one of them (but not between ” and “: 。”“ keeps a dialogue together)."""
    ends = "。！？…"
    out, start, depth, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        depth = depth + 1 if c == "“" else max(0, depth - 1) if c == "”" else depth
        if c in ends and depth == 0:
            j = i + 1
            while j < len(text) and text[j] in ends:
                j += 1
            out.append(text[start:j])
            start = i = j
            continue
        if c == "”" and depth == 0 and i > 0 and text[i - 1] in ends and text[i + 1:i + 2] != "“":
            out.append(text[start:i + 1])
            start = i + 1
        i += 1
    out.append(text[start:])
    return [s for s in out if s.strip()]


def split_story_en(text: str) -> list[str]:
    """Stories' and problems' English: a cut after . ! ? before a capital (or a quote and a capital).
    A closing quote right after the mark is dropped with the cut, as the published files have it."""
    return [s for s in re.split(r'(?<=[.!?])["”]?\s*(?=["“]?[A-Z])', text) if s.strip()]


def story_pairs(zh: str, en: str) -> list[tuple[str, str]]:
    """A paragraph pair as sentence pairs when the counts agree and every English sentence is longer than
    its Chinese one (spaces not counted); otherwise the paragraph pair itself."""
    zh = squeeze(clean(zh))
    en = clean(en)
    a = [clean(s) for s in split_story_zh(zh)]
    b = [clean(s) for s in split_story_en(en)]
    if len(a) == len(b) and all(len(y) > nospace_len(x) for x, y in zip(a, b)):
        return list(zip(a, b))
    return [(zh, en)]


# ----------------------------------------------------------------------------- the converters

def copy_files(pairs: dict[str, Download]) -> Callable[[Raw, HeldOut], dict[str, bytes]]:
    """A converter that writes each download unchanged: {output path: download}."""
    def convert(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
        return {out: raw.bytes(d) for out, d in pairs.items()}
    return convert


# Tatoeba via manythings.org: the zip holds cmn.txt and _about.txt.
TATOEBA_ZIP = Download("manythings.org/anki/cmn-eng.zip", (
    "https://web.archive.org/web/20260220000000id_/https://www.manythings.org/anki/cmn-eng.zip",
    "https://www.manythings.org/anki/cmn-eng.zip"))


def convert_tatoeba_cmn(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw.bytes(TATOEBA_ZIP))) as z:
        return {f"tatoeba-cmn/{name}": z.read(name) for name in ("cmn.txt", "_about.txt")}


OPUS_TESTSETS = ("Helsinki-NLP/OPUS-MT-testsets", "ac0f19c0be3cb4e0d9450fcb2d7a9847c4bdd180")
TATOEBA_TEST = {f"tatoeba-test/tatoeba-test-{v}.{ext}": github_file(
                    *OPUS_TESTSETS, f"datasets/helsinki_nlp/tatoeba/testsets/eng-zho/tatoeba-test-{v}.{ext}")
                for v in ("v2020-07-28", "v2021-08-07") for ext in ("zho", "eng", "zho.labels")}
FLORES = {f"flores200-devtest/{lang}.devtest": github_file(
              *OPUS_TESTSETS, f"datasets/facebook/flores/flores200_dataset/devtest/{lang}.devtest")
          for lang in ("zho_Hans", "eng_Latn")}
MONO_EN = {"mono-en/commonvoice_en.txt": github_file(
    "skanderbenalaya/common-voice", "26249db69c2db684e9629e61ef8d5dc353df11f5", "server/data/en/sentence-collector.txt")}


# The Bible: verses of the Chinese Union Version (Simplified) and the King James Version, aligned by
# book, chapter and verse. Each book is a JavaScript file `var book = {...}` whose verses are HTML.
BIBLE_REPO = ("tkacikr/bible-tools", "90a9bf78dc93bc9eaa8094c928bf255dc572d28d")
BIBLE_BOOKS = [(github_file(*BIBLE_REPO, f"bibles/zh/cuvs/books/{n:02d}.js"),
                github_file(*BIBLE_REPO, f"bibles/en/kjv/books/{n:02d}.js")) for n in range(1, 67)]
VERSE_NUMBER = re.compile(r'<sup class="versenum">.*?</sup>|<span class="chapternum">.*?</span>')


def bible_book(text: str) -> dict:
    """`var book = {...};` -> the object (JSON between the first { and the last })."""
    return json.loads(text[text.index("{"):text.rindex("}") + 1])


def convert_bible(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
    pairs = []
    for zh_file, en_file in BIBLE_BOOKS:
        zh_book, en_book = bible_book(raw.text(zh_file)), bible_book(raw.text(en_file))
        for chapter, verses in zh_book["chapters"].items():
            en_verses = en_book["chapters"].get(chapter, {})
            for verse, zh in verses.items():
                if verse in en_verses:  # the verse numbers go; other tags (the small caps of LORD) leave their text
                    en = en_verses[verse]
                    pairs.append((squeeze(clean(VERSE_NUMBER.sub(" ", zh))), clean(VERSE_NUMBER.sub(" ", en))))
    return corpus_files("bible_cuvs_kjv", keep_pairs(pairs, held_out))


# The Python documentation: every msgid -> msgstr of every .po file but the changelog, with the
# reStructuredText markup taken out.
PYDOCS = github_tarball("python/python-docs-zh-cn", "693cf6be2bc17f3d50ee21fe207c6964f3fab130")
ROLE = r":[A-Za-z][\w-]*(?::[A-Za-z][\w-]*)*:"  # :func:, :c:func:, :monitoring-event: (not :2to3fixer:)


def parse_po(text: str) -> list[tuple[str, str, set[str]]]:
    """A gettext .po file -> [(msgid, msgstr, flags)] (msgstr[0] for plural entries; obsolete #~ skipped)."""
    entries, current, key, flags = [], {}, None, set()

    def flush():
        nonlocal current, flags
        if "msgid" in current:
            entries.append((current["msgid"], current.get("msgstr", current.get("msgstr[0]", "")), flags))
        current, flags = {}, set()

    for line in text.split("\n"):
        line = line.strip()
        if not line:
            flush()
            key = None
        elif line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            keyword, _, value = line.partition(" ")
            if keyword == "msgid" and "msgid" in current and key != "msgctxt":
                flush()
            key = keyword
            current[key] = ast.literal_eval(value)
    flush()
    return entries


def strip_rst(text: str) -> str:
    """reStructuredText inline markup -> its text, in the order (and with the quirks) of the published file."""
    text = re.sub(ROLE + r"`[~!]?([^`<]*?)\s*<[^`>]*>`", r"\1", text)  # 1) :role:`title <target>` -> title
    text = re.sub(r"`([^`<]*?)\s*<[^`>]*>`__?", r"\1", text)            # 2) `text <url>`_ -> text
    text = re.sub(ROLE + r"`[~!]?([^`<]*)`", r"\1", text)               # 3) :role:`~target` -> target
    text = text.replace("``", "")                                        # 4) ``literal`` -> literal (every ``)
    text = text.replace("\\ ", "")                                      # 5) escaped space: p\ redicate -> predicate
    text = re.sub(r"(?<!\\)\*\*", "", text)                             # 6) **strong** -> strong (not \**)
    text = re.sub(r"(?<![\w*])\*(?=\S)([^*]+?)\*(?!\w)", r"\1", text)   # 7) *emphasis* -> emphasis
    text = re.sub(r"`([^`]*)`_", r"\1", text)                           # 8) `reference`_ -> reference
    text = re.sub(r"`([^`]*)`", r"\1", text)                            # 9) `default role` -> text
    return text.replace("|", "")                                         # 10) |substitution| -> substitution


def convert_python_docs(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
    tree = raw.tree(PYDOCS)
    pairs = []
    for path in sorted(p for p in tree if p.endswith(".po") and p != "whatsnew/changelog.po"):
        for msgid, msgstr, flags in parse_po(tree[path].decode("utf-8")):
            if not msgid or not msgstr or "fuzzy" in flags:
                continue
            en_lines = scrub(strip_rst(msgid))              # line breaks kept: they count below
            zh, en = clean(strip_rst(msgstr)), " ".join(en_lines.split())
            en_chars = en_lines.replace(" ", "")
            if not 4 <= nospace_len(zh) <= 300:            # a table cell's word; a whole page of code
                continue
            if sum(c.isalpha() for c in en_chars) < 0.5 * len(en_chars):  # mostly numbers, symbols or code
                continue
            pairs.append((zh, en))
    return corpus_files("python_docs_zhcn", keep_pairs(pairs, held_out, max_ratio=6, drop_overlap=False))


# MLQE-PE: English Wikipedia sentences (tokenized) and their post-edited Chinese (word-segmented).
MLQE_REPO = ("sheffieldnlp/mlqe-pe", "2a670a1140416cf80507b5a829659383c878feb8")
MLQE_SPLITS = [(github_file(*MLQE_REPO, f"data/post-editing/{split}/en-zh-{split}.tar.gz"), name)
               for split, name in (("train", "train"), ("dev", "dev"), ("test", "test20"))]
CJK_EDGE_SPACE = re.compile(rf"(?<=[{CJK}]) | (?=[{CJK}])")


def detokenize_en(text: str) -> str:
    """Moses' English detokenizer (detokenizer.perl's rules for `en`): "don 't ." -> "don't."."""
    tokens, out, prepend = text.split(), "", " "
    quotes: dict[str, int] = {}
    for i, tok in enumerate(tokens):
        if re.fullmatch(r"[$£€¥¢(\[{¿¡]+", tok):                    # currency and openers: attach to the next
            out, prepend = out + prepend + tok, ""
        elif re.fullmatch(r"[,.?!:;\\%}\])]+", tok):                  # punctuation: attach to the previous
            out, prepend = out + tok, " "
        elif i > 0 and tok[0] == "'" and len(tok) > 1 and (unicodedata.category(tok[1])[0] == "L"
                                                             or unicodedata.category(tok[1]) == "Mn"):
            out, prepend = out + tok, " "                            # 's 're 'll: attach to the previous
        elif re.fullmatch(r"['\"„“`]+", tok):                        # quotes: alternate opening / closing
            q = '"' if re.fullmatch(r"[„“”]+", tok) else tok
            if quotes.get(q, 0) % 2 == 0:
                if tok == "'" and i > 0 and tokens[i - 1].endswith("s"):
                    out, prepend = out + tok, " "                    # the Joneses' house
                    continue
                out, prepend = out + prepend + tok, ""
            else:
                out, prepend = out + tok, " "
            quotes[q] = quotes.get(q, 0) + 1
        else:
            out, prepend = out + prepend + tok, " "
    return " ".join(out.split())


def convert_mlqe(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
    pairs = []
    for download, name in MLQE_SPLITS:
        files = raw.tree(download)
        src = files[f"{name}.src"].decode("utf-8").split("\n")
        pe = files[f"{name}.pe"].decode("utf-8").split("\n")
        src, pe = src[:-1] if src[-1] == "" else src, pe[:-1] if pe[-1] == "" else pe
        if len(src) != len(pe):
            raise ValueError(f"{download.path}: {name}.src has {len(src)} lines, {name}.pe {len(pe)}")
        for en, zh in zip(src, pe):
            zh = CJK_EDGE_SPACE.sub("", " ".join(zh.split()))  # 最后 的 征服者 -> 最后的征服者
            pairs.append((clean(zh), clean(detokenize_en(en))))
    return corpus_files("mlqe_pe_wiki", keep_pairs(pairs, held_out))


# TICO-19: the English-Chinese translation memory (TMX).
TICO = github_file("tico-19/tico-19.github.io", "d97615f9cffa28ec7de571e00fbd513e5a1c7fc7", "data/TM/all.en-zh.tmx")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def convert_tico(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
    pairs = []
    for tu in ET.fromstring(raw.bytes(TICO)).iter("tu"):
        seg = {tuv.get(XML_LANG): "".join(tuv.find("seg").itertext()) for tuv in tu.iter("tuv")}
        pairs.append((clean(seg.get("zh", "")), clean(seg.get("en", ""))))
    return corpus_files("tico19", keep_pairs(pairs, held_out))


# XQuAD: the Wikipedia paragraphs (split into sentences where the counts agree) and the questions.
XQUAD_REPO = ("google-deepmind/xquad", "7d30520c717524000f0d9d2f9c10a069acd9d285")
XQUAD = {lang: github_file(*XQUAD_REPO, f"xquad.{lang}.json") for lang in ("zh", "en")}


def convert_xquad(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
    zh_data, en_data = (json.loads(raw.text(XQUAD[lang]))["data"] for lang in ("zh", "en"))
    pairs = []
    for zh_article, en_article in zip(zh_data, en_data):
        for zh_par, en_par in zip(zh_article["paragraphs"], en_article["paragraphs"]):
            a = split_paragraph_zh(clean(zh_par["context"]))
            b = split_paragraph_en(clean(en_par["context"]))
            if len(a) == len(b):
                pairs += [(clean(x), clean(y)) for x, y in zip(a, b)]
            en_questions = {q["id"]: q["question"] for q in en_par["qas"]}
            pairs += [(clean(q["question"]), clean(en_questions[q["id"]])) for q in zh_par["qas"]]
    return corpus_files("xquad_wiki", keep_pairs(pairs, held_out, max_ratio=8))


# Universal Dependencies PUD: each sentence's `# text` (Traditional Chinese) and `# text_en`.
UD = github_file("UniversalDependencies/UD_Chinese-PUD", "2849afd946a8c01b3e9acdf3e7afa8670cf2777d", "zh_pud-ud-test.conllu")


def convert_ud(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
    lines = raw.text(UD).splitlines()
    zh = [clean(l.removeprefix("# text = ")) for l in lines if l.startswith("# text = ")]
    en = [clean(l.removeprefix("# text_en = ")) for l in lines if l.startswith("# text_en = ")]
    if len(zh) != len(en):
        raise ValueError(f"{UD.path}: {len(zh)} '# text' lines but {len(en)} '# text_en'")
    return corpus_files("ud_pud_zh_trad", keep_pairs(zip(zh, en), held_out))


# Global African Storybook Project: Chinese (global-asp) and English (asp-source) stories with the same
# number, aligned by title and page; only stories whose files say CC-BY in both languages.
GASP_ZH = github_tarball("global-asp/global-asp", "b0193c31edc62935cb8cc69549a1f416cbbab42f")
GASP_EN = github_tarball("global-asp/asp-source", "99e022369a980bd52bce8c6f86d5f24e9a4ada9d")


def parse_story(text: str) -> tuple[list[str], str | None]:
    """A story's markdown -> ([title, page, page, ...], licence): `# title`, pages between `##` lines,
    then a block with `* License: [CC-BY]`."""
    blocks = re.split(r"^##[ \t]*$", text, flags=re.M)
    title = blocks[0].strip()
    if not title.startswith("# "):
        raise ValueError(f"a story should start with '# title', found {title[:40]!r}")
    pages, licence = [title[2:]], None
    for block in blocks[1:]:
        m = re.search(r"^\* License: *(.*)$", block, flags=re.M)
        if m:
            licence = m.group(1).strip()
            break
        pages.append(block.strip())
    return pages, licence


def convert_gasp(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
    zh_tree, en_tree = raw.tree(GASP_ZH), raw.tree(GASP_EN)
    en_by_number = {p.split("/")[1][:4]: p for p in en_tree if re.fullmatch(r"en/[^/]+\.md", p)}
    pairs = []
    for path in sorted(p for p in zh_tree if re.fullmatch(r"zh/[0-9][^/]*\.md", p)):
        en_path = en_by_number.get(path.split("/")[1][:4])
        if en_path is None:
            continue
        zh_pages, zh_licence = parse_story(zh_tree[path].decode("utf-8"))
        en_pages, en_licence = parse_story(en_tree[en_path].decode("utf-8"))
        if zh_licence != "[CC-BY]" or en_licence != "[CC-BY]":
            continue
        for zh, en in zip(zh_pages, en_pages):
            pairs += story_pairs("".join(zh.split("\n")), en)  # Chinese lines join without a space
    return corpus_files("gasp", keep_pairs(pairs, held_out, max_ratio=8))


# MGSM: the 250 test problems and the 8 worked exemplars (question, then answer), human translations.
MGSM_REPO = ("google-research/url-nlp", "452a21ad3dae5668c06ceeac21ff073e1e40f9be")
MGSM = {name: github_file(*MGSM_REPO, f"mgsm/{name}") for name in ("mgsm_zh.tsv", "mgsm_en.tsv", "exemplars.py")}


def literal_assignment(source: str, name: str):
    """The value of `name = <literal>` in Python source, read with ast.literal_eval (the file is never run)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError(f"no assignment to {name}")


def convert_mgsm(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
    def questions(name: str) -> list[str]:
        return [line.split("\t")[0] for line in raw.text(MGSM[name]).split("\n") if line.strip()]
    zh, en = questions("mgsm_zh.tsv"), questions("mgsm_en.tsv")
    if len(zh) != len(en):
        raise ValueError(f"mgsm_zh.tsv has {len(zh)} problems, mgsm_en.tsv {len(en)}")
    paragraphs = list(zip(zh, en))
    exemplars = literal_assignment(raw.text(MGSM["exemplars.py"]), "MGSM_EXEMPLARS")
    for key, en_ex in exemplars["en"].items():
        zh_ex = exemplars["zh"][key]
        paragraphs.append((zh_ex["q"].removeprefix("问题："), en_ex["q"].removeprefix("Question: ")))
        paragraphs.append((zh_ex["a"].removeprefix("逐步解答："), en_ex["a"].removeprefix("Step-by-Step Answer: ")))
    pairs = [pair for z, e in paragraphs for pair in story_pairs(z, e)]
    return corpus_files("mgsm", keep_pairs(pairs, held_out, max_ratio=8))


# Chinese Zero to Hero: the grammar list's example sentence and its translation.
ZEROTOHERO = github_file("openlanguageprofiles/olp-zh-zerotohero", "472ce7a317b48421c146473752e4940aca6ee55d",
                         "zerotohero-zh-grammar.csv")


def convert_zerotohero(raw: Raw, held_out: HeldOut) -> dict[str, bytes]:
    pairs = []
    for row in csv.DictReader(io.StringIO(raw.text(ZEROTOHERO))):
        zh, en = row["Example"], row["Example Translation"]
        if "/" in zh or "/" in en:                     # alternatives (不要/别): no single sentence
            continue
        zh = squeeze(clean(zh).replace("?", "？"))
        en = re.sub(r"\([Ll]it\.[^)]*\)", "", en)     # (lit. ...) glosses go
        pairs.append((zh, clean(en.replace("’", "'").replace("[", "").replace("]", ""))))
    return corpus_files("zerotohero_grammar", keep_pairs(pairs, held_out, max_ratio=8))


# ----------------------------------------------------------------------------- the sources

@dataclass(frozen=True)
class Source:
    """One corpus or test set: what it writes, what it downloads, how it converts."""
    name: str                                       # what --only takes
    folder: str                                     # its folder under --out (also an --only name)
    origin: str                                     # where it comes from, pinned
    downloads: tuple[Download, ...]
    convert: Callable[[Raw, HeldOut], dict[str, bytes]]
    outputs: tuple[str, ...]                        # the files it writes, relative to --out
    drops_test_overlap: bool = False                # reads the test sets under --out first


def _extra(name: str, origin: str, downloads: Iterable[Download], convert, drops_test_overlap: bool = True) -> Source:
    return Source(name, "extra-zh-en", origin, tuple(downloads), convert,
                  (f"extra-zh-en/{name}.zh", f"extra-zh-en/{name}.en"), drops_test_overlap)


SOURCES: tuple[Source, ...] = (
    Source("tatoeba-cmn", "tatoeba-cmn", "manythings.org/anki cmn-eng.zip (release dated 2026-02-13)",
           (TATOEBA_ZIP,), convert_tatoeba_cmn, ("tatoeba-cmn/cmn.txt", "tatoeba-cmn/_about.txt")),
    Source("tatoeba-test", "tatoeba-test", "Helsinki-NLP/OPUS-MT-testsets@ac0f19c0",
           tuple(TATOEBA_TEST.values()), copy_files(TATOEBA_TEST), tuple(TATOEBA_TEST)),
    Source("flores200-devtest", "flores200-devtest", "Helsinki-NLP/OPUS-MT-testsets@ac0f19c0",
           tuple(FLORES.values()), copy_files(FLORES), tuple(FLORES)),
    Source("mono-en", "mono-en", "skanderbenalaya/common-voice@26249db6",
           tuple(MONO_EN.values()), copy_files(MONO_EN), tuple(MONO_EN)),
    _extra("bible_cuvs_kjv", "tkacikr/bible-tools@90a9bf78", [d for pair in BIBLE_BOOKS for d in pair], convert_bible),
    _extra("python_docs_zhcn", "python/python-docs-zh-cn@693cf6be", [PYDOCS], convert_python_docs, drops_test_overlap=False),
    _extra("mlqe_pe_wiki", "sheffieldnlp/mlqe-pe@2a670a11", [d for d, _ in MLQE_SPLITS], convert_mlqe),
    _extra("tico19", "tico-19/tico-19.github.io@d97615f9", [TICO], convert_tico),
    _extra("xquad_wiki", "google-deepmind/xquad@7d30520c", XQUAD.values(), convert_xquad),
    _extra("ud_pud_zh_trad", "UniversalDependencies/UD_Chinese-PUD@2849afd9", [UD], convert_ud),
    _extra("gasp", "global-asp/global-asp@b0193c31 + global-asp/asp-source@99e02236", [GASP_ZH, GASP_EN], convert_gasp),
    _extra("mgsm", "google-research/url-nlp@452a21ad", MGSM.values(), convert_mgsm),
    _extra("zerotohero_grammar", "openlanguageprofiles/olp-zh-zerotohero@472ce7a3", [ZEROTOHERO], convert_zerotohero),
)


def all_outputs(sources: Iterable[Source] = SOURCES) -> list[str]:
    return [path for s in sources for path in s.outputs]


def select(names: list[str] | None) -> list[Source]:
    """The sources named (by name or folder), in table order; all of them for None."""
    if not names:
        return list(SOURCES)
    known = {s.name for s in SOURCES} | {s.folder for s in SOURCES}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise FetchError(f"unknown name(s) {', '.join(unknown)}; expected some of: "
                         + ", ".join(dict.fromkeys([s.folder for s in SOURCES] + [s.name for s in SOURCES])))
    return [s for s in SOURCES if s.name in names or s.folder in names]


# ----------------------------------------------------------------------------- checking, copying, fetching

@dataclass
class Report:
    """Problems found, one line each; counts of files that were fine."""
    problems: list[str] = field(default_factory=list)
    ok: int = 0

    def problem(self, line: str) -> None:
        self.problems.append(line)
        print(line, file=sys.stderr)


def check(path: str, data: bytes | None, expected: dict[str, str], where: str, report: Report) -> bool:
    """Whether `data` (None: absent) is the file the list expects at `path`; a problem line if not."""
    if path not in expected:
        report.problem(f"{path}: not in the SHA-256 list (run --write-sha256 after a deliberate change)")
        return False
    if data is None:
        report.problem(f"{path}: MISSING ({where})")
        return False
    digest = sha256_of(data)
    if digest != expected[path]:
        report.problem(f"{path}: SHA-256 MISMATCH ({where}): {digest[:16]}..., expected {expected[path][:16]}...")
        return False
    return True


def write_output(path: Path, data: bytes, report: Report) -> bool:
    """Write one checked file; a problem line (not a traceback) if the disk refuses."""
    try:
        write_atomically(path, data)
        return True
    except OSError as e:
        report.problem(f"{path}: cannot write ({e.strerror or e})")
        return False


def read_if_file(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def verify(out: Path, sources: list[Source], expected: dict[str, str], report: Report) -> None:
    for path in all_outputs(sources):
        if check(path, read_if_file(out / path), expected, f"in {out}", report):
            report.ok += 1


def copy_verified(src: Path, out: Path, sources: list[Source], expected: dict[str, str], report: Report,
                  allow_mismatch: bool) -> None:
    """--from a converted folder: check each file there and write it to --out."""
    for path in all_outputs(sources):
        data = read_if_file(src / path)
        good = check(path, data, expected, f"in {src}", report)
        if data is not None and (good or allow_mismatch):
            same = (out / path).exists() and (out / path).samefile(src / path)
            report.ok += (same or write_output(out / path, data, report)) and good


def is_data_folder(folder: Path) -> bool:
    """A converted data folder (rather than raw downloads): it holds at least one file the sources write."""
    return any((folder / path).is_file() for path in all_outputs())


def fetch(out: Path, sources: list[Source], expected: dict[str, str], downloader: Downloader, report: Report,
          allow_mismatch: bool) -> None:
    """Download (or read from the cache), convert and check each source; write the files that check out."""
    test_sources = [s for s in SOURCES if s.folder in TEST_FOLDERS]
    if any(s.drops_test_overlap for s in sources):  # the test sets are read from --out: fetch them first if needed
        missing = [s for s in test_sources if s not in sources and not all(
            (out / p).is_file() and sha256_of((out / p).read_bytes()) == expected.get(p) for p in s.outputs)]
        if missing:
            print("note: the extra-zh-en corpora leave out the test sets' sentences; "
                  f"fetching {', '.join(s.name for s in missing)} first")
        sources = sorted(set(sources) | set(missing), key=SOURCES.index)  # the table lists the test sets first
    held_out: HeldOut | None = None
    for source in sources:
        print(f"{source.name}: {len(source.downloads)} file(s) from {source.origin}", flush=True)
        if source.drops_test_overlap and held_out is None:
            try:
                held_out = HeldOut.from_folders(out / f for f in TEST_FOLDERS)
            except ValueError as e:  # dawn.data.DataError: no test files there
                report.problem(f"{source.name}: the test sets under {out} are needed to leave their sentences out ({e})")
                continue
        try:
            raw = Raw({d.path: downloader.get(d) for d in source.downloads})
            files = source.convert(raw, held_out if source.drops_test_overlap else HeldOut())
        except FetchError as e:
            report.problem(f"{source.name}: {e}")
            continue
        except (ValueError, KeyError, IndexError, TypeError, AttributeError, SyntaxError, EOFError, OSError,
                zlib.error, csv.Error, tarfile.TarError, zipfile.BadZipFile) as e:  # ET.ParseError is a SyntaxError
            report.problem(f"{source.name}: cannot convert the download ({type(e).__name__}: {e})")
            continue
        for path in source.outputs:
            data = files.get(path)
            good = check(path, data, expected, f"as converted from {source.origin}; changed upstream? "
                                                "--allow-mismatch writes it anyway", report)
            if data is not None and (good or allow_mismatch):
                report.ok += write_output(out / path, data, report) and good


def write_sha256(out: Path, path: Path) -> int:
    """Rewrite the list from the files under `out` (all sources); nothing is written if one is missing."""
    missing = [p for p in all_outputs() if not (out / p).is_file()]
    if missing:
        for p in missing:
            print(f"{p}: MISSING in {out}", file=sys.stderr)
        return 1
    try:
        path.write_text(format_sha256_list({p: sha256_of((out / p).read_bytes()) for p in all_outputs()}),
                        encoding="utf-8")
    except OSError as e:
        print(f"{path}: cannot write ({e.strerror or e})", file=sys.stderr)
        return 1
    print(f"wrote {path} ({len(all_outputs())} files under {out})")
    return 0


# ----------------------------------------------------------------------------- the command

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m training.fetch_data",
                                description="Fetch, convert and check the corpora and test sets (see the module docstring).")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the data folder to write (default: %(default)s)")
    p.add_argument("--only", nargs="+", metavar="NAME",
                   help="some sources: tatoeba-cmn, tatoeba-test, flores200-devtest, mono-en, extra-zh-en, or one corpus of it")
    p.add_argument("--from", dest="from_dir", type=Path, metavar="DIR",
                   help="offline: a converted data folder (checked and copied) or raw downloads kept by --downloads")
    p.add_argument("--downloads", type=Path, metavar="DIR", help="keep the raw downloads here, and reuse those already here")
    p.add_argument("--verify-only", action="store_true", help="check the files under --out against the list; write nothing")
    p.add_argument("--allow-mismatch", action="store_true",
                   help="also write files whose checksum differs (for example a newer manythings.org release); still reported")
    p.add_argument("--sha256", type=Path, default=SHA256_LIST, help="the SHA-256 list (default: %(default)s)")
    p.add_argument("--write-sha256", action="store_true",
                   help="rewrite the list from the files under --out, all sources (maintainers)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.write_sha256:
        return write_sha256(args.out, args.sha256)
    try:
        expected = read_sha256_list(args.sha256)
        sources = select(args.only)
    except FetchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = Report()
    if args.verify_only:
        verify(args.out, sources, expected, report)
    elif args.from_dir is not None and not args.from_dir.is_dir():
        report.problem(f"{args.from_dir}: no such folder")
    elif args.from_dir is not None and is_data_folder(args.from_dir):
        copy_verified(args.from_dir, args.out, sources, expected, report, args.allow_mismatch)
    else:
        downloader = Downloader(cache=args.from_dir or args.downloads, offline=args.from_dir is not None)
        fetch(args.out, sources, expected, downloader, report, args.allow_mismatch)
    if report.problems:
        print(f"{len(report.problems)} problem(s); {report.ok} file(s) OK under {args.out}", file=sys.stderr)
        return 1
    print(f"{report.ok} file(s) OK under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
