"""Ids: prefixed, 22 base-62 digits that sort by creation time, their random part read from the operating
system in blocks per thread and never shared with a forked child."""

import os
import threading

from omnisales.api import ids
from omnisales.api.ids import _ALPHABET, new_id


def _decode(text: str) -> int:
    value = 0
    for char in text:
        value = value * 62 + _ALPHABET.index(char)
    return value


def test_an_id_is_its_prefix_then_milliseconds_and_80_random_bits():
    before = int(ids.time.time() * 1000)
    made = new_id("ord")
    after = int(ids.time.time() * 1000)
    prefix, digits = made.split("_")
    assert prefix == "ord" and len(digits) == 22 and set(digits) <= set(_ALPHABET)
    assert before <= _decode(digits) >> 80 <= after


def test_ids_made_at_once_on_many_threads_are_all_different():
    made: list[list[str]] = [[] for _ in range(8)]

    def make(into):
        into.extend(new_id("mov") for _ in range(2_000))  # several blocks of the pool each

    threads = [threading.Thread(target=make, args=(into,)) for into in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [made_id for into in made for made_id in into]
    assert len(set(every)) == len(every) == 16_000
    randoms = {_decode(made_id.split("_")[1]) & (2**80 - 1) for made_id in every}
    assert len(randoms) == 16_000, "no random part is handed out twice"


def test_a_forked_child_does_not_reuse_the_random_bits_its_parent_holds():
    new_id("ord")  # the parent's pool now holds unused random numbers
    held = list(ids._pool.numbers)
    assert held
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: reports its next random part, then leaves at once
        try:
            os.write(write, str(_decode(new_id("ord").split("_")[1]) & (2**80 - 1)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        childs = int(pipe.read())
    os.waitpid(child, 0)
    assert childs not in held
    assert ids._pool.numbers == held, "the parent's own pool is untouched"
