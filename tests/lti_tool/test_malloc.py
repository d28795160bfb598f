"""A worker's memory stays flat: its threads share two malloc arenas and freed pages go back."""

import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent(
    """
    import ctypes, ctypes.util, os, sys, tempfile, threading
    from lti_tool import malloc

    if sys.argv[1] == "limit":
        assert malloc.limit_arenas(2)
    barrier = threading.Barrier(8)
    kept = []

    def work():
        barrier.wait()
        kept.append([bytearray(4096) for _ in range(64)])
        barrier.wait()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype = ctypes.c_void_p
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    path = tempfile.mktemp()
    fp = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, fp)
    libc.fclose(fp)
    print(open(path).read().count("<heap nr="))
    os.unlink(path)
    """
)


def _arenas_after_eight_threads(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_threads_share_two_arenas_once_limited():
    if not sys.platform.startswith("linux"):
        pytest.fail("leadpath's servers run on Linux with glibc; this test checks glibc's arenas")
    assert _arenas_after_eight_threads("default") > 2  # glibc's default: an arena per thread
    assert _arenas_after_eight_threads("limit") <= 2


TRIM_PROBE = textwrap.dedent(
    """
    import sys, time
    from lti_tool import malloc

    if sys.argv[1] == "trim":
        assert malloc.keep_memory_flat(0.2)
    chunks = [b"x" * 1000 + i.to_bytes(4, "big") for i in range(200_000)]
    kept = chunks[::64]  # a survivor every few pages keeps the heap from shrinking by itself
    del chunks
    time.sleep(1.0)
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            print(int(line.split()[1]) // 1024)
    """
)


def _resident_mb_after_freeing_200_mb(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", TRIM_PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_memory_freed_between_survivors_goes_back_to_the_system():
    kept = _resident_mb_after_freeing_200_mb("default")
    trimmed = _resident_mb_after_freeing_200_mb("trim")
    assert kept > 150  # without trimming the freed pages stay resident
    assert trimmed < kept / 2


LARGE_PROBE = textwrap.dedent(
    """
    import sys
    from lti_tool import malloc

    if sys.argv[1] == "flat":
        assert malloc.keep_memory_flat(3600)  # no trimming within the test: the threshold alone

    def resident_mb():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) // 1024

    before = resident_mb()
    for _ in range(3):  # as a scrypt check of an LRS secret does: 16 MB, used, freed
        block = bytearray(16 << 20)
        block[::4096] = b"x" * len(block[::4096])
        del block
        survivors = [bytes(100) + bytes([i % 256]) for i in range(1000)]
    print(resident_mb() - before)
    """
)


def _resident_growth_mb_after_three_16_mb_blocks(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", LARGE_PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_a_freed_16_mb_block_does_not_stay_resident():
    assert _resident_growth_mb_after_three_16_mb_blocks("default") >= 12  # glibc's own rule
    assert _resident_growth_mb_after_three_16_mb_blocks("flat") <= 4
