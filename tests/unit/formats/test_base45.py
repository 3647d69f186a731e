import pytest

from vaxcert.formats import base45


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
        (b"", ""),
    ],
)
def test_rfc9285_examples(raw: bytes, text: str) -> None:
    assert base45.encode(raw) == text
    assert base45.decode(text) == raw


def test_round_trip_all_byte_values() -> None:
    data = bytes(range(256)) * 3 + b"\x00"
    assert base45.decode(base45.encode(data)) == data


@pytest.mark.parametrize("bad", ["GGW", "ZZZ", "A", "ABCD", "ab", "QED8WEX0!", "~~"])
def test_decode_rejects_invalid_input(bad: str) -> None:
    with pytest.raises(ValueError):
        base45.decode(bad)
