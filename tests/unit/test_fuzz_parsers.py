"""Property tests of the pure parsers behind the API: on any input they return a value or raise their
one documented error (InvalidInput / InvalidMobile / FormatError), never anything else. The HTTP layer
turns any other exception into a 503, so an exception escaping here is a defect.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import zlib
from datetime import UTC, datetime
from typing import Any

import cbor2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaxcert.catalogue import load_catalogue
from vaxcert.errors import InvalidInput, parsed_as
from vaxcert.formats import base45
from vaxcert.formats.errors import FormatError
from vaxcert.formats.hc1 import decode_hc1
from vaxcert.http.models.verify import VerifyRequest
from vaxcert.sources.commcare import event_from_commcare, field_names, load_mapping
from vaxcert.sources.phone import InvalidMobile, normalise_mobile
from vaxcert.sources.vaccination import parse_event, resolve_vaccine
from vaxcert.verification import InMemoryTrustStore, verify_qr

PROPERTY = settings(
    max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
ODD = st.sampled_from(
    [
        "Zoë",
        "O'Brien",
        "李小龍",
        "שלום",
        "🧑🏽‍⚕️",
        "a\x00b",
        "\x07",
        "",
        " ",
        "2024-02-29",
        "2023-02-29",
        "2099-12-31",
        "876-555-0123",
        "876\uff15\uff15\uff15\uff10\uff11\uff12\uff13",
        "+44 20 7946 0958",
        "comirnaty",
        "sputnik-x",
    ]
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30), ODD)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)

FORM: dict[str, Any] = {
    "id": "form-1",
    "form": {
        "recipient": {
            "first_name": "Zoë",
            "middle_name": "",
            "last_name": "O'Brien",
            "date_of_birth": "1984-02-29",
            "sex": "female",
            "mobile_number": "876-555-0123",
            "id_type": "TRN",
            "id_number": "112233445",
        },
        "vaccination": {
            "vaccine_brand": "comirnaty",
            "lot_number": "FK5127",
            "dose_number": "1",
            "total_doses": "2",
            "vaccination_date": "2021-12-14",
        },
    },
}
QUESTIONS = [("recipient", k) for k in FORM["form"]["recipient"]] + [
    ("vaccination", k) for k in FORM["form"]["vaccination"]
]


@PROPERTY
@given(changes=st.lists(st.tuples(st.sampled_from(QUESTIONS), SCALARS | JSON), max_size=4))
def test_commcare_mapping_accepts_or_names_the_problem(changes: list[tuple[tuple[str, str], Any]]) -> None:
    form = copy.deepcopy(FORM)
    for (section, question), value in changes:
        form["form"][section][question] = value
    mapping = load_mapping()
    try:
        event = event_from_commcare(form, mapping)
        resolve_vaccine(event, load_catalogue(), field_names(mapping))
    except InvalidInput as exc:
        assert exc.problems and all(p.field and p.problem for p in exc.problems)
    else:
        # Accepted: every text on the certificate is text, never a Python repr of a list or dict.
        assert "[" not in event.person.given_name and "{" not in event.person.given_name


@PROPERTY
@given(body=JSON)
def test_commcare_arbitrary_json(body: Any) -> None:
    with contextlib.suppress(InvalidInput):
        event_from_commcare(body, load_mapping())


VALID_EVENT: dict[str, Any] = {
    "eventId": "e-1",
    "person": {"givenName": "李", "familyName": "小龍", "birthDate": "2024-02-29", "mobile": "8765550123"},
    "vaccination": {"vaccine": "comirnaty", "lot": "A1", "date": "2024-03-01", "dose": 1, "totalDoses": 2},
}
EVENT_FIELDS = [("person", k) for k in VALID_EVENT["person"]] + [
    ("vaccination", k) for k in [*VALID_EVENT["vaccination"], "nextDose", "centre"]
]


@PROPERTY
@given(changes=st.lists(st.tuples(st.sampled_from(EVENT_FIELDS), SCALARS | JSON), max_size=4))
def test_vaccination_event_accepts_or_names_the_problem(changes: list[tuple[tuple[str, str], Any]]) -> None:
    data = copy.deepcopy(VALID_EVENT)
    for (section, name), value in changes:
        data[section][name] = value
    try:
        resolve_vaccine(parse_event(data), load_catalogue())
    except InvalidInput as exc:
        assert exc.problems and all(p.field and p.problem for p in exc.problems)


@PROPERTY
@given(body=JSON)
def test_vaccination_event_arbitrary_json(body: Any) -> None:
    with contextlib.suppress(InvalidInput):
        parse_event(body)


@PROPERTY
@given(
    raw=st.one_of(
        st.text(max_size=30),
        ODD,
        st.from_regex(r"\+?1?[ (]?[0-9\u0660-\u0669\uff10-\uff19]{3}[) -]?\d{3}-?\d{4}"),
    )
)
def test_mobile_is_e164_ascii_or_refused(raw: str) -> None:
    try:
        e164 = normalise_mobile(raw)
    except InvalidMobile as exc:
        assert str(exc)
    else:
        assert e164.startswith("+1") and len(e164) == 12 and e164.isascii() and e164[1:].isdigit()


@PROPERTY
@given(body=JSON | st.fixed_dictionaries({}, optional={"qr": SCALARS | JSON, "at": SCALARS | JSON}))
def test_verify_request(body: Any) -> None:
    try:
        request = parsed_as(VerifyRequest, body)
    except InvalidInput as exc:
        assert {p.field for p in exc.problems} <= {"body", "qr", "at"}
    else:
        assert isinstance(request.qr, str) and (request.at is None or request.at.tzinfo is not None)


def _hc1_texts() -> st.SearchStrategy[str]:
    payloads = st.one_of(st.binary(max_size=200), JSON.map(lambda v: cbor2.dumps(v)))
    compressed = payloads.map(lambda b: "HC1:" + base45.encode(zlib.compress(b)))
    return st.one_of(
        st.text(max_size=200),
        st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=200).map("HC1:".__add__),
        st.binary(max_size=100).map(lambda b: "HC1:" + base45.encode(b)),
        compressed,
        st.binary(max_size=100).map(lambda b: "HC1:" + base64.b64encode(b).decode()),
    )


@PROPERTY
@given(text=_hc1_texts())
def test_hc1_decode_raises_only_format_errors(text: str) -> None:
    with contextlib.suppress(FormatError):
        decode_hc1(text)


@PROPERTY
@given(text=st.one_of(_hc1_texts(), st.text(max_size=100).map("NCF:".__add__), st.text(max_size=100)))
def test_verify_qr_never_raises(text: str) -> None:
    result = verify_qr(text, InMemoryTrustStore([]), at=datetime(2024, 2, 29, tzinfo=UTC))
    assert result.status in ("MALFORMED", "UNKNOWN_ISSUER", "SIGNATURE_INVALID")
    # The catch-all in verify_qr hides a decoder bug as MALFORMED: the decoders must say why themselves.
    assert not (result.reason or "").startswith("unreadable QR content"), result.reason
