"""Text quoted from the story, in one place.

《代码破晓：2014》, © 李林 2025, CC BY-NC 4.0 — credit it wherever this text is shown.
"""

STORY_CREDIT = "《代码破晓：2014》© 李林 2025, CC BY-NC 4.0"

# The long sentence the 2014 LSTM turns into garbage (54 characters).
STORY_SENTENCE = "虽然昨天天气不好，但我们还是决定去爬山，因为天气预报说今天会放晴，结果真的出了太阳，山顶的风景美得令人窒息。"
STORY_REFERENCE = ("Although the weather was bad yesterday, we still decided to go mountain climbing, because the weather "
                   "forecast said it would clear up today; sure enough, the sun came out, and the view from the top of "
                   "the mountain was breathtaking.")
