"""What the app benchmarks (and the browser tests) share: `python app.py` started on a free loopback port and
stopped afterwards, and the sentences they send it.

    with launch_app("runs/app.log") as (url, proc):    # http://127.0.0.1:PORT/, the app's process
        ...
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from dawn.story import STORY_REFERENCE, STORY_SENTENCE

ROOT = Path(__file__).resolve().parents[2]  # the repository
PARAGRAPH = ("我家附近有一个小公园。每天早上，很多老人在那里打太极拳。孩子们放学以后也喜欢去那里玩。"
             "公园里有一条小河，河边种着很多柳树。春天的时候，柳树发芽了，到处都是绿色。夏天天气很热，"
             "大家都坐在树下乘凉。秋天，树叶慢慢变黄，风一吹就落下来。冬天有时候会下雪，孩子们在雪地里堆雪人。"
             "我很喜欢这个公园，因为它让我觉得生活很安静。周末的时候，我常常带着一本书去那里。坐在长椅上看书，"
             "听着鸟叫，时间过得特别快。有一次，我在公园里遇到了一位老朋友。我们已经十年没见面了。"
             "我们聊了很久，一直聊到天黑才回家。")  # 242 characters, 14 sentences
SENTENCES = [  # (source, reference): short and long, a few without a reference, and paragraphs
    ("猫追老鼠。", "The cat is chasing the mouse."),
    ("我爱你。", "I love you."),
    ("今天天气很好。", ""),
    (STORY_SENTENCE, STORY_REFERENCE),
    ("老鼠追猫。", "The mouse is chasing the cat."),
    ("如果你明天有时间的话，我们可以一起去公园散步，然后找一家安静的咖啡馆坐下来，慢慢聊聊这几年各自的生活。", ""),
    ("我明天要去图书馆看书。", "I'm going to the library to read tomorrow."),
    ("虽然他很累，但是他还是把工作做完了。" * 5, ""),  # 90 characters
    (PARAGRAPH, ""),                                  # a paragraph: 14 sentences, 242 characters
    (PARAGRAPH * 3, ""),                              # 42 sentences, 726 characters
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def launch_app(log_path: str | Path, timeout_s: float = 240.0, env: dict | None = None):
    """Run `python app.py` on 127.0.0.1 and a free port; yield its URL; stop it on exit.

    Raises RuntimeError (with the end of the app's log) if it exits or does not answer within timeout_s.
    """
    port = free_port()
    env = {**os.environ, **(env or {}), "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with code {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app.py did not answer on {url} within {timeout_s:.0f} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
