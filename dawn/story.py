"""Text quoted from the story, in one place.

《代码破晓：2014》, © 李林 2025, CC BY-NC 4.0 — credit it wherever this text is shown.

The long sentence is written once, clause by clause, each Chinese clause beside
the part of the reference that translates it; the full sentence, the full
reference and the page's clause slider are all built from that one list.
"""

STORY_CREDIT = "《代码破晓：2014》© 李林 2025, CC BY-NC 4.0"

# (Chinese clause, the English that translates it), in order; each Chinese clause ends in its own punctuation.
_CLAUSES = (
    ("虽然昨天天气不好，", "Although the weather was bad yesterday,"),
    ("但我们还是决定去爬山，", " we still decided to go mountain climbing,"),
    ("因为天气预报说今天会放晴，", " because the weather forecast said it would clear up today;"),
    ("结果真的出了太阳，", " sure enough, the sun came out,"),
    ("山顶的风景美得令人窒息。", " and the view from the top of the mountain was breathtaking."),
)

# The long sentence the 2014 LSTM turns into garbage (54 characters), and its reference translation.
STORY_SENTENCE = "".join(zh for zh, _ in _CLAUSES)
STORY_REFERENCE = "".join(en for _, en in _CLAUSES)

# The whiteboard's sentence: the visitor from 2024 computes self-attention on it by hand (dawn/whiteboard.py).
WHITEBOARD_SENTENCE = "猫追老鼠。"

# The sentence cut after its 1st, 2nd, … last clause: (Chinese prefix, matching reference prefix).
# The last entry is (STORY_SENTENCE, STORY_REFERENCE).
STORY_CLAUSES: tuple[tuple[str, str], ...] = tuple(
    ("".join(zh for zh, _ in _CLAUSES[: k + 1]), "".join(en for _, en in _CLAUSES[: k + 1]))
    for k in range(len(_CLAUSES))
)
