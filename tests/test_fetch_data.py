"""training/fetch_data.py, offline: checking a data folder against a SHA-256 list, copying a local copy,
converting kept downloads, the committed list, and the converters on small fixtures.

Every folder is written in tmp_path: no test reads ../shared or touches the network (a download is
made to fail on purpose, through a stand-in for urlopen).
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import urllib.error

from training import fetch_data as fd

FLORES = {"flores200-devtest/zho_Hans.devtest": "猫追老鼠。\n他补充道。\n".encode(),
          "flores200-devtest/eng_Latn.devtest": b"The cat chases the mouse.\nHe added.\n"}


def write_files(root, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)


def sha256_list(tmp_path, files: dict[str, bytes]):
    path = tmp_path / "data_files.sha256"
    path.write_text(fd.format_sha256_list({p: hashlib.sha256(d).hexdigest() for p, d in files.items()}))
    return path


def run(*args) -> int:
    return fd.main([str(a) for a in args])


# ----------------------------------------------------------------------------- checking and copying

def test_verify_only_passes_on_a_good_copy(tmp_path, capsys):
    write_files(tmp_path / "data", FLORES)
    assert run("--verify-only", "--out", tmp_path / "data", "--only", "flores200-devtest",
               "--sha256", sha256_list(tmp_path, FLORES)) == 0
    assert "2 file(s) OK" in capsys.readouterr().out


def test_a_changed_byte_or_a_missing_file_fails_naming_the_file(tmp_path, capsys):
    lst = sha256_list(tmp_path, FLORES)
    write_files(tmp_path / "data", {**FLORES, "flores200-devtest/eng_Latn.devtest": b"The cat chases the mouse!\nHe added.\n"})
    assert run("--verify-only", "--out", tmp_path / "data", "--only", "flores200-devtest", "--sha256", lst) == 1
    err = capsys.readouterr().err
    assert "flores200-devtest/eng_Latn.devtest: SHA-256 MISMATCH (in " in err and "zho_Hans" not in err

    (tmp_path / "data/flores200-devtest/zho_Hans.devtest").unlink()
    assert run("--verify-only", "--out", tmp_path / "data", "--only", "flores200-devtest", "--sha256", lst) == 1
    assert "flores200-devtest/zho_Hans.devtest: MISSING" in capsys.readouterr().err


def test_from_a_converted_folder_copies_what_checks_out(tmp_path, capsys):
    lst = sha256_list(tmp_path, FLORES)
    write_files(tmp_path / "copy", FLORES)
    assert run("--from", tmp_path / "copy", "--out", tmp_path / "data", "--only", "flores200-devtest", "--sha256", lst) == 0
    assert all((tmp_path / "data" / p).read_bytes() == d for p, d in FLORES.items())

    (tmp_path / "copy/flores200-devtest/zho_Hans.devtest").write_bytes(b"changed\n")  # refused, not copied
    assert run("--from", tmp_path / "copy", "--out", tmp_path / "again", "--only", "flores200-devtest", "--sha256", lst) == 1
    assert "zho_Hans.devtest: SHA-256 MISMATCH" in capsys.readouterr().err
    assert not (tmp_path / "again/flores200-devtest/zho_Hans.devtest").exists()
    assert (tmp_path / "again/flores200-devtest/eng_Latn.devtest").read_bytes() == FLORES["flores200-devtest/eng_Latn.devtest"]


def test_from_kept_downloads_converts_offline(tmp_path):
    write_files(tmp_path / "downloads", {fd.FLORES[p].path: d for p, d in FLORES.items()})
    assert run("--from", tmp_path / "downloads", "--out", tmp_path / "data", "--only", "flores200-devtest",
               "--sha256", sha256_list(tmp_path, FLORES)) == 0
    assert (tmp_path / "data/flores200-devtest/eng_Latn.devtest").read_bytes() == FLORES["flores200-devtest/eng_Latn.devtest"]


def test_a_failed_or_broken_download_is_one_line_per_problem(tmp_path, capsys, monkeypatch):
    def offline(request, timeout):
        raise urllib.error.URLError("no network in the tests")
    monkeypatch.setattr(fd.urllib.request, "urlopen", offline)
    assert run("--out", tmp_path / "data", "--only", "flores200-devtest", "--sha256", sha256_list(tmp_path, FLORES)) == 1
    err = capsys.readouterr().err
    assert "flores200-devtest: cannot download https://raw.githubusercontent.com/Helsinki-NLP/OPUS-MT-testsets/" in err
    assert "no network in the tests" in err and "Traceback" not in err
    assert not (tmp_path / "data/flores200-devtest").exists()

    write_files(tmp_path / "downloads", {fd.PYDOCS.path: b"<html>not a tarball</html>"})  # a download cut short
    assert run("--from", tmp_path / "downloads", "--out", tmp_path / "data", "--only", "python_docs_zhcn") == 1
    err = capsys.readouterr().err
    assert "python_docs_zhcn: cannot convert the download (ReadError" in err and "Traceback" not in err


def test_an_unknown_name_or_a_malformed_list_is_a_usage_error(tmp_path, capsys):
    assert run("--verify-only", "--only", "tatoeba", "--sha256", sha256_list(tmp_path, FLORES)) == 2
    assert "unknown name(s) tatoeba" in capsys.readouterr().err
    bad = tmp_path / "bad.sha256"
    bad.write_text("0123  extra-zh-en/gasp.zh\n")
    assert run("--verify-only", "--sha256", bad) == 2
    assert "bad.sha256:1: expected 'SHA256  PATH'" in capsys.readouterr().err


# ----------------------------------------------------------------------------- the committed list

def test_the_committed_list_parses_and_covers_every_file_the_sources_write():
    text = fd.SHA256_LIST.read_text(encoding="utf-8")
    assert all(re.fullmatch(r"[0-9a-f]{64}  [\w./-]+", line) for line in text.splitlines())
    expected = fd.read_sha256_list(fd.SHA256_LIST)
    assert sorted(expected) == sorted(fd.all_outputs()) and len(expected) == len(fd.all_outputs()) == 29
    assert text == fd.format_sha256_list(expected)  # sorted by path, as --write-sha256 writes it
    assert {s.folder for s in fd.SOURCES} == {"tatoeba-cmn", "tatoeba-test", "flores200-devtest", "mono-en", "extra-zh-en"}
    assert all(f"| {s.name} |" in fd.__doc__ and s.origin in fd.__doc__ for s in fd.SOURCES)  # the docstring's table


# ----------------------------------------------------------------------------- the converters, on small fixtures

def tarball(files: dict[str, str], top: str = "repo-0123abcd") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def lines(files: dict[str, bytes], name: str) -> tuple[list[str], list[str]]:
    return (files[f"extra-zh-en/{name}.zh"].decode().splitlines(), files[f"extra-zh-en/{name}.en"].decode().splitlines())


def test_clean_and_squeeze():
    assert fd.clean("a&amp;b <b>bold</b>\u200b  x\ny") == "a&b bold x y"
    assert fd.squeeze("起 初 ， 神 创 造 天 地 。 Alpha 在 2006") == "起初，神创造天地。 Alpha 在 2006"


def test_keep_pairs_drops_empty_duplicate_no_han_too_long_and_test_overlap(monkeypatch):
    monkeypatch.setattr(fd, "normalized", lambda zh, en: (zh, en))  # (the library's normalisation, without importing it)
    held_out = fd.HeldOut(zh=frozenset({"你好。"}), en=frozenset())
    pairs = [("猫。", "Cat."), ("猫。", "Cat."), ("", "x"), ("123", "123"), ("狗。", "D" * 17), ("你好。", "Hello.")]
    assert fd.keep_pairs(pairs, held_out, max_ratio=8) == [("猫。", "Cat.")]


def test_strip_rst_as_the_published_file_has_it():
    assert fd.strip_rst("Learn how to :ref:`contribute <contributing-to-python>`.") == "Learn how to contribute."
    assert fd.strip_rst("must be a :c:expr:`char**`; see :func:`~os.path.join`") == "must be a char; see os.path.join"
    assert fd.strip_rst("``callable(*args, **kwargs)``. *args* may be *NULL*") == "callable(*args, kwargs). args may be NULL"
    assert fd.strip_rst("the *i*\\ th element, `Sphinx`_ and |version|") == "the *i*th element, Sphinx and version"


def test_detokenize_en_follows_moses():
    assert fd.detokenize_en("He shoves Owen into the pit where his son 's heart is .") == \
        "He shoves Owen into the pit where his son's heart is."
    assert fd.detokenize_en('Blur released " The Puritan " for $ 5 ( in 2012 ) .') == \
        'Blur released "The Puritan" for $5 (in 2012).'


def test_story_pairs_split_where_the_counts_agree():
    zh, en = "狗说：“你来干嘛？”诺孜贝儿说：“我迷路了。”", 'The dog said, "What do you want?" "I\'m lost," she said.'
    assert fd.story_pairs(zh, en) == [("狗说：“你来干嘛？”", 'The dog said, "What do you want?'),  # (the quote goes)
                                      ("诺孜贝儿说：“我迷路了。”", '"I\'m lost," she said.')]
    zh, en = "今天非常热。为什么呢", "It is hot today. Why?"  # "Why?" is not longer than 为什么呢: one pair
    assert fd.story_pairs(zh, en) == [(zh, en)]


def test_convert_ud_tico_and_zerotohero():
    conllu = "# sent_id = 1\n# text = 這是 測試。\n# text_en = This is a test.\n1\t這\t_\n\n"
    zh, en = lines(fd.convert_ud(fd.Raw({fd.UD.path: conllu.encode()}), fd.HeldOut()), "ud_pud_zh_trad")
    assert (zh, en) == (["這是 測試。"], ["This is a test."])

    tmx = ('<?xml version="1.0"?><tmx><body><tu><tuv xml:lang="en"><seg>risk &amp;gt; 90%</seg></tuv>'
           '<tuv xml:lang="zh"><seg>风险 &amp;gt; 90%\u200b</seg></tuv></tu></body></tmx>')
    files = fd.convert_tico(fd.Raw({fd.TICO.path: tmx.encode()}), fd.HeldOut())
    assert lines(files, "tico19") == (["风险 > 90%"], ["risk > 90%"])

    csv_text = ("ID,Example,Example Translation\n1,这是什么?,What is this?\n2,不要/别玩儿。,Don't play.\n"
                "3,我们是开车来的。,We drove here. (Lit. It is by driving that we came.)\n4,来吧。,Come [here].\n")
    raw = fd.Raw({fd.ZEROTOHERO.path: csv_text.encode()})
    assert lines(fd.convert_zerotohero(raw, fd.HeldOut()), "zerotohero_grammar") == (
        ["这是什么？", "我们是开车来的。", "来吧。"], ["What is this?", "We drove here.", "Come here."])


def test_convert_python_docs_from_a_tarball():
    po = ('#, fuzzy\nmsgid ""\nmsgstr "Project-Id-Version: Python 3.13\\n"\n\n'
          'msgid "About this documentation"\nmsgstr "关于本文档"\n\n'
          'msgid "See :ref:`above <x>`."\nmsgstr "参考 :ref:`上文 <x>`。"\n\n'
          '#, fuzzy\nmsgid "Old text here"\nmsgstr "旧的文本内容"\n\n'
          'msgid "Bytes"\nmsgstr "字节串"\n\n'
          'msgid "New in 3.6.2:"\nmsgstr "在 3.6.2 中新增:"\n')
    raw = fd.Raw({fd.PYDOCS.path: tarball({"about.po": po, "whatsnew/changelog.po": po.replace("关于", "有关")})})
    # the heading, and the pair whose English is a test sentence (the published file keeps it); not the fuzzy
    # entry, nor the 3-character Chinese, nor the mostly-digits English, nor the changelog
    assert lines(fd.convert_python_docs(raw, fd.HeldOut(en=frozenset({"See above."}))), "python_docs_zhcn") == (
        ["关于本文档", "参考 上文。"], ["About this documentation", "See above."])


def test_convert_mgsm_reads_the_exemplars_without_running_them():
    zh_tsv = "珍妮特的鸭子每天下 16 颗蛋。她每天早上吃 3 颗。\t18\n"
    en_tsv = "Janet's ducks lay 16 eggs per day. She eats three every morning.\t18\n"
    exemplars = ('raise SystemExit("never run")\nMGSM_EXEMPLARS = {"en": {"1": {"q": "Question: Roger has 5 balls.", '
                 '"a": "Step-by-Step Answer: The answer is 5."}}, "zh": {"1": {"q": "问题：罗杰有 5 个球。", '
                 '"a": "逐步解答：答案是 5。"}}}\n')
    raw = fd.Raw({fd.MGSM["mgsm_zh.tsv"].path: zh_tsv.encode(), fd.MGSM["mgsm_en.tsv"].path: en_tsv.encode(),
                  fd.MGSM["exemplars.py"].path: exemplars.encode()})
    assert lines(fd.convert_mgsm(raw, fd.HeldOut()), "mgsm") == (
        ["珍妮特的鸭子每天下 16 颗蛋。", "她每天早上吃 3 颗。", "罗杰有 5 个球。", "答案是 5。"],
        ["Janet's ducks lay 16 eggs per day.", "She eats three every morning.", "Roger has 5 balls.", "The answer is 5."])


def test_convert_gasp_keeps_only_stories_cc_by_in_both_languages():
    def story(title, pages, licence):
        return f"# {title}\n\n" + "".join(f"##\n{p}\n\n" for p in pages) + f"##\n* License: [{licence}]\n* Language: x\n"
    zh = {"zh/0001_一个很高的人.md": story("一个很高的人", ["他的锄头太短了。", "他坐在椅子上。他吃饭。"], "CC-BY"),
          "zh/0002_农场.md": story("农场", ["看看动物。"], "CC-BY-NC"), "zh/README.md": "# index\n"}
    en = {"en/0001_a-very-tall-man.md": story("A very tall man", ["His hoe was too short.", "He sat on a chair. He ate."],
                                              "CC-BY"),
          "en/0002_farm.md": story("The farm", ["Look at the animals."], "CC-BY-NC")}
    raw = fd.Raw({fd.GASP_ZH.path: tarball(zh), fd.GASP_EN.path: tarball(en)})
    assert lines(fd.convert_gasp(raw, fd.HeldOut()), "gasp") == (
        ["一个很高的人", "他的锄头太短了。", "他坐在椅子上。", "他吃饭。"],
        ["A very tall man", "His hoe was too short.", "He sat on a chair.", "He ate."])
