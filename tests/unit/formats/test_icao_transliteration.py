import pytest

from vaxcert.formats.icao import transliterate


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Campbell", "CAMPBELL"),
        ("O'Brien", "OBRIEN"),
        ("O\u2019Brien", "OBRIEN"),
        ("Zoë", "ZOE"),
        ("Musterfrau-Gößinger", "MUSTERFRAU<GOESSINGER"),
        ("d'Červenková Panklová", "DCERVENKOVA<PANKLOVA"),
        ("Jiřina-Maria Alena", "JIRINA<MARIA<ALENA"),
        ("Øyvind Åsen", "OEYVIND<AASEN"),
        ("Müller", "MUELLER"),
        ("St. John  Smith", "ST<JOHN<SMITH"),
        ("  Anne - Marie ", "ANNE<MARIE"),
        ("Иванов", "IVANOV"),
        ("王小明", ""),
        ("Lee 王", "LEE"),
    ],
)
def test_icao_9303_transliteration(name: str, expected: str) -> None:
    assert transliterate(name) == expected


def test_result_is_cut_to_the_limit_without_a_trailing_filler() -> None:
    result = transliterate("A" * 79 + " BCD")
    assert result == "A" * 79
