import pytest

from vaxcert.formats.uvci import check_uci, luhn_mod_n, make_uci


def test_make_uci_layout_and_check_character() -> None:
    uci = make_uci("JM", "7Q2K9M4XHD3R8T6WB1NC")
    assert uci.startswith("URN:UVCI:01:JM:7Q2K9M4XHD3R8T6WB1NC#")
    assert len(uci.rpartition("#")[2]) == 1
    assert check_uci(uci)


@pytest.mark.parametrize(
    "published",
    [
        # From dgc-testdata (AT, DK, SI, FR): the checksum covers the whole identifier including "URN:UVCI:".
        "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
        "URN:UVCI:01:DK:B986830007345F99AE898FB82C6C61F2#A",
        "URN:UVCI:01:SI:C5A831C1889D43AEE053#I",
        "URN:UVCI:01:FR:GGD81AAH16A4#Y",
        "URN:UVCI:01:FR:Y4996KBJ4Q3Q#:",
        "URN:UVCI:01:FR:P4LU2647E8HN#/",
    ],
)
def test_published_check_characters_verify(published: str) -> None:
    assert check_uci(published)


def test_every_single_character_change_is_detected() -> None:
    uci = make_uci("JM", "7Q2K9M4XHD3R8T6WB1NC")
    body = uci.rpartition("#")[0]
    for i in range(len("URN:UVCI:01:JM:"), len(body)):
        for replacement in "0Z":
            if body[i] != replacement:
                assert not check_uci(f"{body[:i]}{replacement}{body[i + 1 :]}#{uci[-1]}")


def test_adjacent_transposition_is_detected() -> None:
    uci = make_uci("JM", "7Q2K9M4XHD3R8T6WB1NC")
    swapped = uci.replace("7Q2K", "Q72K")
    assert not check_uci(swapped)


@pytest.mark.parametrize(
    "bad", ["", "#", "URN:UVCI:01:JM:ABC", "URN:UVCI:01:JM:ABC#", "URN:UVCI:01:JM:abc#A"]
)
def test_check_uci_rejects_missing_or_malformed_check(bad: str) -> None:
    assert not check_uci(bad)


def test_make_uci_validates_inputs() -> None:
    with pytest.raises(ValueError):
        make_uci("JAM", "ABC")
    with pytest.raises(ValueError):
        make_uci("JM", "abc-def")


def test_luhn_rejects_characters_outside_the_alphabet() -> None:
    with pytest.raises(ValueError):
        luhn_mod_n("URN:UVCI:01:JM:a")
