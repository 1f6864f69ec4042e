"""While a plan reads, identical reads are sent once; failed answers are never shared."""

import threading

from ansible_collections.converge.platforms.plugins.module_utils.read_memo import ReadMemo, read_key


class Answer:
    def __init__(self, status):
        self.status_code = status


def keep(answer):
    return answer.status_code < 400


def test_identical_reads_from_many_threads_are_sent_once():
    memo, sent, gate = ReadMemo(), [], threading.Event()

    def send():
        sent.append(1)
        gate.wait(5)
        return Answer(200)

    key = read_key("GET", "/cluster/list", {"page": 1}, None, {"Authorization": "op"})
    results = []
    threads = [threading.Thread(target=lambda: results.append(memo.answer(key, send, keep))) for _ in range(8)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(5)
    assert len(sent) == 1
    assert len({id(result) for result in results}) == 1
    assert memo.saved == 7


def test_reads_that_differ_in_query_body_or_headers_are_each_sent():
    memo, sent = ReadMemo(), []

    def send():
        sent.append(1)
        return Answer(200)

    for key in (read_key("GET", "/a", {"page": 1}, None, None), read_key("GET", "/a", {"page": 2}, None, None),
                read_key("POST", "/a", None, {"Action": "List"}, None),
                read_key("POST", "/a", None, {"Action": "List"}, {"Authorization": "renewed"})):
        memo.answer(key, send, keep)
        memo.answer(key, send, keep)
    assert len(sent) == 4


def test_a_failed_answer_is_the_first_callers_alone():
    memo, answers = ReadMemo(), iter([Answer(503), Answer(200), Answer(500)])
    key = read_key("GET", "/a", None, None, None)
    assert memo.answer(key, lambda: next(answers), keep).status_code == 503
    assert memo.answer(key, lambda: next(answers), keep).status_code == 200
    assert memo.answer(key, lambda: next(answers), keep).status_code == 200
