"""Bad input over HTTP: every JSON endpoint of the published OpenAPI document, fuzzed on the local stack.

Bodies are generated from the document's request schemas and by mutating a valid body of each route
(drop / null / retype each field, huge strings, deep nesting, unicode names, odd dates and doses,
malformed phone numbers); query strings and path parameters get odd values; every POST route gets
wrong content types, invalid and non-object JSON, non-UTF-8 and oversized bodies. Every answer must be
below 500, JSON, a 4xx with a `message` (and `errors` naming fields for input errors; ingest's 422 is
the bare list), and free of tracebacks and file paths. Each caller is authenticated as its route's
auth kind requires, so the fuzzing reaches the handlers. Bounded and reproducible: derandomized
hypothesis, a fixed number of examples per endpoint.
"""

from __future__ import annotations

import copy
import http.client
import json
import random
import re
import string
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import HttpResponse, LocalStack, stored_certificates
from vaxcert.routes import ROUTES, Auth, Route

pytestmark = pytest.mark.e2e

EXAMPLES = 60
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # reproducible in CI
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
POST_ROUTES = [r for r in ROUTES if r.method == "POST"]
# Generated and mutated bodies would often be valid for a key rotation (only an optional reason): each a
# new KMS key and DSC in the shared stack. Its body checks are in tests/integration; raw bodies below.
GENERATED_POST_ROUTES = [r for r in POST_ROUTES if r.path != "/v1/admin/keys/rotate"]
CASES: Counter[str] = Counter()  # requests sent, per route (printed for the README figures)
STATUSES: dict[str, Counter[int]] = {}  # answers per route: shows how deep the fuzzing got

LEAKS = re.compile(r"Traceback|File \"|line \d+, in |site-packages|/var/task|\.py\b|/work/|/home/")


# --- the callers and the valid bodies -------------------------------------------------------------


def _mobile() -> str:
    return f"876-{random.randint(200, 999)}-{random.randint(0, 9999):04d}"


def _form(mobile: str | None = None) -> dict[str, Any]:
    form_id = str(uuid.uuid4())
    return {
        "id": form_id,
        "edited_on": None,
        "form": {
            "meta": {"instanceID": form_id},
            "recipient": {
                "first_name": "Zoë",
                "middle_name": "",
                "last_name": "O'Brien",
                "date_of_birth": "1984-02-29",
                "sex": "female",
                "mobile_number": mobile or _mobile(),
                "id_type": "TRN",
                "id_number": "112233445",
            },
            "vaccination": {
                "vaccine_brand": "comirnaty",
                "lot_number": "FK5127",
                "dose_number": "1",
                "total_doses": "2",
                "vaccination_date": "2021-12-14",
                "next_dose_due": "2022-01-04",
                "facility_code": "JM-STC-0042",
                "facility_name": "St. Jago Park Health Centre",
                "vaccinator_name": "Brown, Nadine",
                "vaccinator_id": "RN-20931",
            },
        },
    }


def _vaccination() -> dict[str, Any]:
    return {
        "eventId": f"fuzz-{uuid.uuid4()}",
        "source": "emr",
        "person": {
            "givenName": "李",
            "familyName": "小龍",
            "birthDate": "2024-02-29",
            "sex": "male",
            "identifier": {"type": "TRN", "value": "112233445"},
            "mobile": _mobile(),
        },
        "vaccination": {
            "vaccine": "comirnaty",
            "lot": "FK5127",
            "date": "2024-03-01",
            "dose": 1,
            "totalDoses": 2,
            "centre": "St. Jago Park Health Centre",
            "practitioner": "Brown, Nadine",
            "nextDose": "2024-03-22",
        },
    }


def _otp_login(stack: LocalStack, local: str) -> str:
    e164 = "+1" + local.replace("-", "")
    assert stack.request("POST", "/v1/citizen/otp", {"mobile": local}).status == 202
    sms = stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164 and "login code" in m["message"]])
    code = sms[-1]["message"].split("login code is ")[1][:6]
    response = stack.request("POST", "/v1/citizen/session", {"mobile": local, "otp": code})
    assert response.status == 200, response.body
    return str(response.json()["token"])


class World:
    """Tokens for every auth kind, real certificates to aim at, and the OpenAPI document."""

    def __init__(self, stack: LocalStack):
        self.stack = stack
        self.mobile = _mobile()
        forms = [_form(self.mobile) for _ in range(6)]
        for form in forms:
            assert stack.ingest(form).status == 202
        ids = [f["id"] for f in forms]

        def issued() -> list[str] | None:
            found = {c["eventId"]: c["hcid"] for c in stored_certificates(stack) if c["eventId"] in ids}
            return [found[i] for i in ids] if len(found) == len(ids) else None

        hcids: list[str] = stack.wait_for(issued, timeout=60)
        self.pdf_hcid, self.revoke_hcid = hcids[0], hcids[1]
        self.correctable = hcids[2:]  # a successful correction supersedes one: move to the next
        self.qr = next(c["qr"] for c in stored_certificates(stack) if c["hcid"] == self.pdf_hcid)
        staff = {role: stack.staff_token(role) for role in ("facility", "admin")}
        self.headers: dict[Auth, dict[str, str]] = {
            Auth.PUBLIC: {},
            Auth.INGEST_KEY: stack.ingest_headers,
            Auth.CITIZEN: {"Authorization": "Bearer " + _otp_login(stack, self.mobile)},
            Auth.STAFF: {"Authorization": "Bearer " + staff["facility"]},
            Auth.ADMIN: {"Authorization": "Bearer " + staff["admin"]},
        }
        response = stack.request("GET", "/v1/openapi.json")
        assert response.status == 200
        self.openapi: dict[str, Any] = response.json()

    def path(self, route: Route) -> str:
        hcid = self.revoke_hcid if route.path.endswith("/revoke") else self.correctable[0]
        if route.path.endswith("/pdf"):
            hcid = self.pdf_hcid
        return route.path.replace("{hcid}", hcid).replace("{kid}", "AAAAAAAAAAA")

    def valid_body(self, route: Route) -> dict[str, Any]:
        bodies: dict[str, Any] = {
            "/v1/ingest/commcare": lambda: _form(),
            "/v1/vaccinations": _vaccination,
            "/v1/verify": lambda: {"qr": self.qr, "at": "2024-02-29T12:00:00Z"},
            "/v1/citizen/otp": lambda: {"mobile": _mobile()},
            "/v1/citizen/session": lambda: {"mobile": self.mobile, "otp": "123456"},
            "/v1/staff/session": lambda: {"username": "fuzz.nobody", "password": "Not-the-password-1"},
            "/v1/staff/session/challenge": lambda: {
                "username": "facility.demo",
                "session": "x" * 40,
                "challenge": "MFA_CODE",
                "code": "123 456",
            },
            "/v1/admin/certificates/{hcid}/corrections": lambda: {"familyName": "Ó Briain", "reason": "typo"},
            "/v1/admin/certificates/{hcid}/revoke": lambda: {"reason": "issued to the wrong person"},
            "/v1/admin/keys/{kid}/withdraw": lambda: {"reason": "compromised"},
            "/v1/admin/keys/rotate": lambda: {"reason": "yearly"},
        }
        return dict(bodies[route.path]())

    def send(
        self,
        route: Route,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        path: str | None = None,
    ) -> HttpResponse:
        headers = dict(self.headers[route.auth])
        if raw is None and body is not None:
            raw = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        if content_type is not None:
            headers["Content-Type"] = content_type
        name = f"{route.method} {route.path}"
        CASES[name] += 1
        response = self.stack.request(route.method, path or self.path(route), raw=raw, headers=headers)
        STATUSES.setdefault(name, Counter())[response.status] += 1
        if route.path.endswith("/corrections") and response.status == 202 and len(self.correctable) > 1:
            self.correctable.pop(0)
        return response


@pytest.fixture(scope="module")
def world(stack: LocalStack) -> Iterator[World]:
    started = time.monotonic()
    yield World(stack)
    total = sum(CASES.values())
    print(f"\nfuzz: {len(CASES)} routes, {total} requests in {time.monotonic() - started:.0f} s")
    for name, count in sorted(CASES.items()):
        answers = ", ".join(f"{s}: {n}" for s, n in sorted(STATUSES.get(name, Counter()).items()))
        print(f"  {count:5d}  {name}  ({answers})")


# --- the promise ----------------------------------------------------------------------------------


# The middle name is joined to the first name on the certificate: a too-long one is the given names' error.
ALSO_NAMED = {"form.recipient.middle_name": "form.recipient.first_name"}


def _related(field: str, mutated: str) -> bool:
    """An error names the mutated field, a part of it, or something inside it."""
    if ALSO_NAMED.get(mutated) == field:
        return True
    a, b = field.split("."), mutated.split(".")
    return a[: len(b)] == b or b[: len(a)] == a


def check(route: Route, response: HttpResponse, mutated: tuple[str, ...] = ()) -> None:
    context = (route.method, route.path, response.status, response.body[:500])
    assert response.status < 500, context  # 503 = an unexpected exception: moto is healthy here
    text = response.body.decode("utf-8")
    assert not LEAKS.search(text), context
    if response.headers.get("Content-Type", "").startswith("application/pdf"):
        assert response.status == 200, context
        return
    data = json.loads(text)  # every answer is JSON
    if response.status < 400:
        return
    if route.function == "ingest" and response.status == 422:
        problems = data
    else:
        assert isinstance(data, dict) and isinstance(data.get("message"), str) and data["message"], context
        problems = data.get("errors")
        if response.status in (400, 413, 415, 422):
            assert problems, context
    if problems is None:
        return
    assert isinstance(problems, list) and problems, context
    for problem in problems:
        assert isinstance(problem["field"], str) and problem["field"], context
        assert isinstance(problem["problem"], str) and problem["problem"], context
    if response.status == 422 and mutated:
        fields = [p["field"] for p in problems]
        assert any(_related(f, m) for f in fields for m in mutated) or "body" in fields, (context, mutated)


# --- generated from the OpenAPI schemas -----------------------------------------------------------

ODD_TEXT = st.sampled_from(
    [
        "Zoë",
        "O'Brien",
        "李小龍",
        "محمد",
        "\u202egnp.exe",
        "👩🏾‍⚕️",
        "a\x00b",
        "\x07\x1b[31m",
        "",
        " ",
        "null",
        "0",
        "-1",
        "2023-02-29",
        "9999-12-31",
        "../../etc/passwd",
        "%00",
        "<script>",
        "\ud800",  # a lone surrogate: not encodable as UTF-8 text
        "x" * 5000,
    ]
)
TEXT = st.one_of(st.text(max_size=40), ODD_TEXT)


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def from_schema(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for an OpenAPI 3.0 schema: mostly valid ones, some out of range, to reach deep checks."""
    schema = _resolve(schema, components)
    if "allOf" in schema:
        inner = from_schema(schema["allOf"][0], components, depth)
        return st.one_of(st.none(), inner) if schema.get("nullable") else inner
    if "anyOf" in schema:
        options = [from_schema(s, components, depth) for s in schema["anyOf"]]
        return st.one_of(*options, *([st.none()] if schema.get("nullable") else []))
    strategy: st.SearchStrategy[Any]
    if "enum" in schema:
        strategy = st.one_of(st.sampled_from(schema["enum"]), TEXT)
    elif schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = {name: from_schema(p, components, depth + 1) for name, p in properties.items()}
        strategy = st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required},
            optional={k: v for k, v in fields.items() if k not in required},
        )
        if schema.get("additionalProperties", True) is not False and depth < 2:
            value = st.one_of(st.none(), st.integers(), TEXT)
            extra = st.dictionaries(st.text(max_size=10), value, max_size=2)
            strategy = st.builds(lambda known, more: {**more, **known}, strategy, extra)
    elif schema.get("type") == "string" and schema.get("format") == "date":
        strategy = st.one_of(
            st.dates().map(str), st.sampled_from(["2024-02-29", "2023-02-29", "2099-01-01", "1899-12-31"])
        )
    elif schema.get("type") == "string" and schema.get("format") == "date-time":
        strategy = st.one_of(st.datetimes().map(lambda d: d.isoformat()), TEXT)
    elif schema.get("type") == "string":
        if "pattern" in schema:
            strategy = st.one_of(st.from_regex(schema["pattern"], fullmatch=True), TEXT)
        else:
            low, high = schema.get("minLength", 0), min(schema.get("maxLength", 60), 200)
            strategy = st.one_of(st.text(min_size=low, max_size=high), TEXT)
    elif schema.get("type") == "integer":
        low, high = schema.get("minimum", -10), schema.get("maximum", 10)
        strategy = st.integers(min_value=low - 2, max_value=high + 2)
    elif schema.get("type") == "boolean":
        strategy = st.booleans()
    elif schema.get("type") == "array":
        strategy = st.lists(from_schema(schema.get("items", {}), components, depth + 1), max_size=3)
    else:
        strategy = st.one_of(st.none(), st.integers(), TEXT)
    return st.one_of(st.none(), strategy) if schema.get("nullable") else strategy


def _body_schema(world: World, route: Route) -> dict[str, Any]:
    operation = world.openapi["paths"][route.path][route.method.lower()]
    return dict(operation["requestBody"]["content"]["application/json"]["schema"])


@pytest.mark.parametrize("route", GENERATED_POST_ROUTES, ids=lambda r: r.path)
def test_bodies_generated_from_the_openapi_schema(world: World, route: Route) -> None:
    components = world.openapi["components"]["schemas"]

    @FUZZ
    @given(body=from_schema(_body_schema(world, route), components))
    def run(body: Any) -> None:
        check(route, world.send(route, body))

    run()


# --- mutations of a valid body --------------------------------------------------------------------

REPLACEMENTS: list[Any] = [
    None,
    0,
    -1,
    3,
    10**30,
    1.5,
    float("nan"),  # json.dumps writes NaN / Infinity, which Python's json.loads (the handlers') accepts
    float("inf"),
    True,
    [],
    {},
    ["Zoë"],
    {"nested": {"deeper": [1, 2, {"x": None}]}},
    "",
    "   ",
    "Zoë",
    "O'Brien",
    "李小龍",
    "שלום",
    "🧑🏽‍⚕️💉",
    "nul\x00char",
    "bell\x07\x1b[0m",
    "\u202eevil",
    "x" * 100_000,  # huge, still under the 256 KB body limit
    "2024-02-29",
    "2023-02-29",
    "2099-12-31",
    "1899-12-31",
    "29/02/2024",
    "2024-02-29T25:61:00Z",
    "dose 3 of 2",
    "sputnik-light-unknown",
    "876-555-012",
    "+44 20 7946 0958",
    "876\uff15\uff15\uff15\uff10\uff11\uff12\uff13",  # fullwidth digits
    "(876) 555 0123 ext 4",
    "+1 876 055 0123",
    "HC1:",
    "1e308",
]


def _paths(value: Any, prefix: str = "") -> list[str]:
    if not isinstance(value, dict):
        return []
    out = []
    for key, inner in value.items():
        path = f"{prefix}.{key}" if prefix else key
        out.append(path)
        out.extend(_paths(inner, path))
    return out


def _mutate(body: dict[str, Any], path: str, how: str, replacement: Any) -> None:
    *parents, leaf = path.split(".")
    node = body
    for part in parents:
        node = node[part]
    if how == "drop":
        node.pop(leaf, None)
    elif how == "nest":
        node[leaf] = _deep(500)  # json.dumps here recurses too; 100k levels: test_raw_bodies
    else:
        node[leaf] = replacement


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("route", GENERATED_POST_ROUTES, ids=lambda r: r.path)
def test_mutations_of_a_valid_body(world: World, route: Route) -> None:
    fields = _paths(world.valid_body(route))
    how = st.sampled_from(["drop", "replace", "replace", "nest"])
    mutation = st.tuples(st.sampled_from(fields), how, st.sampled_from(REPLACEMENTS))

    @FUZZ
    @given(mutations=st.lists(mutation, min_size=1, max_size=3))
    def run(mutations: list[tuple[str, str, Any]]) -> None:
        body = world.valid_body(route)
        mutated = []
        for path, how, replacement in mutations:
            try:
                _mutate(body, path, how, copy.deepcopy(replacement))
                mutated.append(path)
            except (KeyError, TypeError):  # an earlier mutation removed or retyped a parent
                pass
        # The handler's own checks ask for the parent when a nested part is wrong (e.g. "person").
        check(route, world.send(route, body), tuple(mutated))

    run()


# --- query strings and path parameters ------------------------------------------------------------

QUERY_ROUTES = [r for r in ROUTES if r.method == "GET" and r.auth is not Auth.PUBLIC and "{" not in r.path]
PATH_ROUTES = [r for r in ROUTES if "{hcid}" in r.path]
QUERY_VALUE = st.one_of(
    TEXT.filter(lambda s: "\ud800" not in s),
    st.sampled_from(["876-555-0123", "1984-02-29", "2023-02-29", "camp", "500", "501", "0", "-5", "1e3"]),
)


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=lambda r: r.path)
def test_odd_query_strings(world: World, route: Route) -> None:
    names = ["mobile", "dob", "name", "hcid", "actor", "limit", "unknown", ""]

    @FUZZ
    @given(params=st.lists(st.tuples(st.sampled_from(names), QUERY_VALUE), max_size=4))
    def run(params: list[tuple[str, str]]) -> None:
        query = urlencode(params, quote_via=quote) if params else ""
        response = world.send(route, path=route.path + ("?" + query if query else ""), content_type=None)
        check(route, response)

    run()


@pytest.mark.parametrize("route", PATH_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_odd_path_parameters(world: World, route: Route) -> None:
    @settings(FUZZ, max_examples=20)
    @given(hcid=st.one_of(TEXT.filter(lambda s: s.strip() and "\ud800" not in s), st.text(string.printable)))
    def run(hcid: str) -> None:
        path = route.path.replace("{hcid}", quote(hcid, safe=""))
        if route.method == "POST":
            body = {"reason": "fuzz"} if path.endswith("/revoke") else {"lot": "FUZZ1", "reason": "fuzz"}
            response = world.send(route, body, path=path)
        else:
            response = world.send(route, path=path, content_type=None)
        check(route, response)

    run()


# --- transport: content types, JSON that is not an object, sizes ----------------------------------

RAW_BODIES: list[tuple[str, bytes, str | None]] = [
    ("invalid JSON", b'{"a": ', "application/json"),
    ("trailing garbage", b"{} {}", "application/json"),
    ("NaN", b'{"qr": NaN, "mobile": Infinity, "reason": NaN}', "application/json"),
    ("a list", b"[1, 2, 3]", "application/json"),
    ("a string", b'"text"', "application/json"),
    ("a number", b"42", "application/json"),
    ("null", b"null", "application/json"),
    ("true", b"true", "application/json"),
    ("empty", b"", "application/json"),
    ("whitespace", b"  \n ", "application/json"),
    ("not UTF-8", b'\xff\xfe{"a": 1}', "application/json"),
    ("latin-1 text", '{"reason": "Zoë"}'.encode("latin-1"), "application/json; charset=latin-1"),
    ("BOM", b'\xef\xbb\xbf{"a": 1}', "application/json"),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("deep objects", b'{"a":' * 20_000 + b"1" + b"}" * 20_000, "application/json"),
    ("text/plain", b'{"a": 1}', "text/plain"),
    ("form", b"a=1&b=2", "application/x-www-form-urlencoded"),
    ("xml", b"<a>1</a>", "application/xml"),
    ("multipart", b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    ("odd content type", b"{}", ";;;"),
    ("no content type", b'{"a": 1}', None),
    ("300 KB", b'{"a": "' + b"x" * 300_000 + b'"}', "application/json"),
]


@pytest.mark.parametrize("route", POST_ROUTES, ids=lambda r: r.path)
def test_raw_bodies_and_content_types(world: World, route: Route) -> None:
    for name, raw, content_type in RAW_BODIES:
        response = world.send(route, raw=raw, content_type=content_type)
        check(route, response)
        if name in ("text/plain", "form", "xml", "multipart", "odd content type"):
            assert response.status == 415, (name, response.status)
        elif name == "300 KB":
            assert response.status == 413, (name, response.status)
        elif name in ("invalid JSON", "trailing garbage", "not UTF-8", "deep nesting", "deep objects"):
            assert response.status == 400, (name, response.status, response.body[:200])


def test_over_the_api_gateway_limit_is_refused_without_reading(world: World, stack: LocalStack) -> None:
    """> 10 MB: refused (413) by the gateway before any function runs, and the connection closed."""
    route = next(r for r in POST_ROUTES if r.path == "/v1/verify")
    host, port = stack.api.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", route.path)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(11 * 1024 * 1024))
    connection.endheaders(b'{"qr": "' + b"x" * 1024)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    CASES[f"{route.method} {route.path}"] += 1
    assert response.status == 413
    assert json.loads(body)["message"]
