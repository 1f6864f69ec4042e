"""A sixth platform, written whole in this module and registered from it, is seen everywhere a platform is.

Memo keeps named notes behind a bearer token: its client, its one spec (`memo_note`) and its emulator are
below, and its descriptor names them by this module's path. Registered with
`module_utils.platforms.registered`, it shows in the reconciler (its kind validated, planned and applied
against its emulator), in `reconciler schema`, in the contract suite's parametrisation and in the docs
generator; once the registration ends, nothing of it is left.
"""

from __future__ import annotations

import json
import runpy
import shutil
from typing import Any

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.client_base import Client
from ansible_collections.converge.platforms.plugins.module_utils.http import (
    ApiError,
    HttpSession,
    connection_options,
    envelope_with,
    from_env,
    tls_verify,
)
from ansible_collections.converge.platforms.plugins.module_utils.platforms import (
    PlatformDescriptor,
    register,
    registered,
    unregister,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec
from click.testing import CliRunner

import emulators
from emulators.common.app import EmulatorApp
from emulators.common.http import HttpError, Request, Response, Router
from reconciler.cli import main
from reconciler.platforms import PLATFORM_NAMES, kinds, platform
from tests.contract.platforms import contract_kinds, endpoint, module_environment, platform_names
from tests.doc_fragments import file_documentation, render_tool
from tests.support import INLINE_SECRETS, ROOT, writes

TOKEN = "memo-token-1"


# --- the emulator -------------------------------------------------------------------------------------------
class MemoState:
    """The notes, by id."""

    def __init__(self) -> None:
        self.notes: dict[str, dict[str, str]] = {}

    def export(self) -> dict[str, Any]:
        return {"notes": {key: dict(note) for key, note in self.notes.items()}}

    def restore(self, data: dict[str, Any]) -> None:
        self.notes = {key: dict(note) for key, note in (data.get("notes") or {}).items()}


class MemoEmulator(EmulatorApp):
    """Memo's API: list, create, change the text of and delete notes, each call with the bearer token."""

    platform = "memo"
    default_port = 18099

    def register_routes(self, router: Router) -> None:
        router.add("GET", "/notes", self._authorized(self._list))
        router.add("POST", "/notes", self._authorized(self._create))
        router.add("PUT", "/notes/{id}", self._authorized(self._update))
        router.add("DELETE", "/notes/{id}", self._authorized(self._delete))

    def reset(self) -> None:
        self.state = MemoState()

    def _authorized(self, handler):
        def checked(request: Request) -> Response:
            if request.header("Authorization") != f"Bearer {TOKEN}":
                raise HttpError("no valid token", 401)
            return handler(request)
        return checked

    def _list(self, request: Request) -> Response:
        return Response(200, {"notes": sorted(self.state.notes.values(), key=lambda note: note["name"])})

    def _create(self, request: Request) -> Response:
        body = request.json()
        if any(note["name"] == body["name"] for note in self.state.notes.values()):
            raise HttpError(f"a note named {body['name']} exists", 409)
        note = {"id": self.ids.uuid4().hex, "name": body["name"], "text": body.get("text") or ""}
        self.state.notes[note["id"]] = note
        return Response(201, {"note": note})

    def _update(self, request: Request) -> Response:
        note = self._note(request)
        note["text"] = request.json()["text"]
        return Response(200, {"note": note})

    def _delete(self, request: Request) -> Response:
        del self.state.notes[self._note(request)["id"]]
        return Response(200, {"deleted": request.path_params["id"]})

    def _note(self, request: Request) -> dict[str, str]:
        try:
            return self.state.notes[request.path_params["id"]]
        except KeyError:
            raise HttpError("no such note", 404) from None


# --- the client -------------------------------------------------------------------------------------------
class MemoError(ApiError):
    """A Memo call that failed."""


class MemoClient(Client):
    """Calls Memo's API with the endpoint's token."""

    error_class = MemoError

    def __init__(self, url, token, timeout=30, validate_certs=True, max_answer_bytes=None):
        super().__init__(HttpSession(url, platform="memo", timeout=timeout, validate_certs=validate_certs,
                                     is_answer=envelope_with("notes", "note", "deleted", "error"),
                                     max_answer_bytes=max_answer_bytes))
        self.token = token

    def notes(self):
        return self._call("GET", "/notes")["notes"]

    def create_note(self, name, text):
        return self._call("POST", "/notes", {"name": name, "text": text})["note"]

    def update_note(self, note_id, text):
        return self._call("PUT", "/notes/" + note_id, {"text": text})["note"]

    def delete_note(self, note_id):
        self._call("DELETE", "/notes/" + note_id)

    def _call(self, method, path, body=None):
        response = self.http.request(method, path, json=body, headers={"Authorization": "Bearer " + self.token})
        data = self.json_object(response, method, path)
        if response.status_code >= 400:
            raise MemoError(data.get("error") or "failed", method, path, response.status_code)
        return data


CONNECTION_ARGUMENT_SPEC = connection_options(
    "MEMO", token={"type": "str", "required": True, "no_log": True, "fallback": from_env("MEMO_TOKEN")})


def client_from_params(params):
    return MemoClient(params["url"], params["token"], timeout=params.get("timeout") or 30,
                      validate_certs=tls_verify(params), max_answer_bytes=params.get("max_answer_bytes"))


# --- the spec -------------------------------------------------------------------------------------------
class NoteSpec(ResourceSpec):
    """A note of Memo, by name."""

    kind = "memo_note"
    platform = "memo"
    result_key = "note"
    description = "Memo notes."
    fields = {
        "name": Field("str", "Name of the note.", required=True, updatable=False),
        "text": Field("str", "What the note says.", default=""),
    }
    identity = ("name",)

    def read(self, client, desired):
        return next((note for note in client.notes() if note["name"] == desired["name"]), None)

    def create(self, client, desired):
        return client.create_note(desired["name"], desired.get("text") or "")

    def update(self, client, live, desired, changes):
        return client.update_note(live["id"], desired["text"])

    def delete(self, client, live):
        client.delete_note(live["id"])


SPECS = [NoteSpec()]

MEMO = PlatformDescriptor(
    "memo", "Memo", "MEMO", client=__name__, resources=__name__,
    option_docs={"url": ["Base URL of the Memo API, such as C(http://127.0.0.1:18099)."],
                 "token": ["The bearer token every call is sent with."]},
    emulator=f"{__name__}:MemoEmulator", port=18099, credentials={"token": TOKEN})


# --- tests --------------------------------------------------------------------------------------------------
@pytest.fixture
def memo():
    """Memo registered for one test, and nothing of it left after."""
    with registered(MEMO):
        yield MEMO
    assert "memo" not in PLATFORM_NAMES and "memo_note" not in kinds()


@pytest.fixture
def memo_emulator(memo):
    with emulators.start("memo", port=0) as handle:
        yield handle


def reconciler(*args: str) -> Any:
    """`reconciler <args>`, its exit code checked against its output."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def desired(tmp_path, url, notes) -> str:
    path = tmp_path / "memo.yml"
    document = {"version": 1, "endpoints": {"memo": endpoint("memo", url)}, "settings": INLINE_SECRETS,
                "resources": {"memo_note": notes}}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return str(path)


def live_notes(handle) -> list[tuple[str, str]]:
    return sorted((note["name"], note["text"]) for note in handle.state()["notes"].values())


def test_the_reconciler_knows_the_registered_platform_and_its_kind(memo):
    assert list(PLATFORM_NAMES)[-1] == "memo" and "memo" in PLATFORM_NAMES
    assert kinds()["memo_note"] is SPECS[0]
    assert platform("memo").connection_argument_spec is CONNECTION_ARGUMENT_SPEC
    assert platform("memo").client_factory is client_from_params
    assert emulators.registry.app_class("memo") is MemoEmulator and emulators.registry.default_port("memo") == 18099


def test_validate_plan_and_apply_an_entry_against_its_emulator(memo_emulator, tmp_path):
    path = desired(tmp_path, memo_emulator.url, [{"name": "groceries", "text": "milk"}])
    assert reconciler("validate", path).exit_code == 0
    planned = reconciler("plan", "--format", "json", path)
    assert planned.exit_code == 0, planned.output
    changes = json.loads(planned.output)["changes"]
    assert [(c["kind"], c["action"], c["identity"]) for c in changes] == [
        ("memo_note", "create", {"name": "groceries"})]
    assert writes(memo_emulator.requests) == []
    applied = reconciler("apply", "--no-lock", path)
    assert applied.exit_code == 0, applied.output
    assert live_notes(memo_emulator) == [("groceries", "milk")]
    assert [(r["method"], r["path"]) for r in writes(memo_emulator.requests)] == [("POST", "/notes")]

    (note_id,) = memo_emulator.state()["notes"]
    memo_emulator.clear_requests()
    path = desired(tmp_path, memo_emulator.url, [{"name": "groceries", "text": "milk, bread"}])
    assert reconciler("apply", "--no-lock", path).exit_code == 0
    assert live_notes(memo_emulator) == [("groceries", "milk, bread")]
    assert [(r["method"], r["path"]) for r in writes(memo_emulator.requests)] == [("PUT", f"/notes/{note_id}")]
    assert json.loads(reconciler("plan", "--format", "json", path).output)["changes"] == []


def test_validate_refuses_an_unknown_option_of_its_kind_naming_it(memo, tmp_path):
    path = desired(tmp_path, "http://127.0.0.1:9", [{"name": "groceries", "colour": "red"}])
    result = reconciler("validate", path)
    assert result.exit_code == 1
    assert "resources.memo_note[0].colour" in result.output, result.output


def resolve(schema: dict, node: dict) -> dict:
    """A schema node with its `$ref` (and a nullable `anyOf` around one) followed."""
    for option in node.get("anyOf", []):
        if option.get("type") != "null":
            node = option
    if "$ref" in node:
        return schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_the_schema_has_its_kind_and_endpoint(memo):
    result = reconciler("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    resources = resolve(schema, schema["properties"]["resources"])["properties"]
    note = resolve(schema, resolve(schema, resources["memo_note"])["items"])
    # its fields and state, and the keys every entry may carry
    assert set(note["properties"]) == {"name", "text", "state", "adopt", "observe", "ignore", "protect"}
    assert note["required"] == ["name"]
    endpoints = resolve(schema, schema["properties"]["endpoints"])["properties"]
    assert {"url", "token", "validate_certs"} <= set(resolve(schema, endpoints["memo"])["properties"])


def test_the_contract_suite_lists_it(memo):
    assert platform_names()[-1] == "memo" and "memo_note" in contract_kinds()
    assert endpoint("memo", "http://127.0.0.1:1") == {"token": TOKEN, "url": "http://127.0.0.1:1"}
    assert module_environment("memo", "http://127.0.0.1:1") == {"MEMO_TOKEN": TOKEN, "MEMO_URL": "http://127.0.0.1:1"}


def test_the_docs_generator_writes_its_module_file_docs_fragment_group_and_readme_row(memo, tmp_path):
    render = render_tool()
    shutil.copytree(ROOT / "plugins" / "modules", tmp_path / "plugins" / "modules")
    (tmp_path / "plugins" / "doc_fragments").mkdir()
    (tmp_path / "meta").mkdir()
    shutil.copy(ROOT / "meta" / "runtime.yml", tmp_path / "meta" / "runtime.yml")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    assert render.render(check=True, root=tmp_path) == 1  # its module file, fragment, group and row are missing
    assert render.render(check=False, root=tmp_path) == 0
    module_file = tmp_path / "plugins" / "modules" / "memo_note.py"
    written = runpy.run_path(str(module_file))
    assert written["NoteSpec"] is NoteSpec and written["client_from_params"] is client_from_params
    assert yaml.safe_load(written["EXAMPLES"]) == [
        {"name": "Memo notes", "converge.platforms.memo_note": {"name": "example"}}]
    assert set(yaml.safe_load(written["RETURN"])) == {"action", "note"}
    module = file_documentation(module_file)
    assert set(module["options"]) == {"name", "text", "state"}
    assert module["extends_documentation_fragment"] == [
        "converge.platforms.connection", "converge.platforms.memo", "converge.platforms.attributes"]
    own = file_documentation(tmp_path / "plugins" / "doc_fragments" / "memo.py")["options"]
    assert set(own) == {"url", "token"} and own["token"]["required"] is True
    assert "If not set, the environment variable E(MEMO_TOKEN) is used." in own["token"]["description"]
    shared = file_documentation(tmp_path / "plugins" / "doc_fragments" / "connection.py")["options"]
    assert "E(MEMO_CA_PATH) (Memo)" in shared["ca_path"]["description"][-1]
    runtime = yaml.safe_load((tmp_path / "meta" / "runtime.yml").read_text(encoding="utf-8"))["action_groups"]
    assert runtime["memo"] == ["memo_note"] and runtime["all"][0]["metadata"]["extend_group"][-1] == "memo"
    assert "| Memo | `memo_note` | Memo notes |" in (tmp_path / "README.md").read_text(encoding="utf-8")
    assert render.render(check=True, root=tmp_path) == 0


def test_nothing_of_it_is_left_once_unregistered():
    render = render_tool()
    with registered(MEMO):
        assert "memo_note" in kinds() and "memo" in emulators.PLATFORMS and "memo" in render.platform_titles()
    assert "memo" not in PLATFORM_NAMES and "memo_note" not in kinds() and "memo_note" not in contract_kinds()
    assert "memo" not in emulators.PLATFORMS and "memo" not in render.platform_titles()
    with pytest.raises(ValueError, match="unknown platform 'memo'"):
        platform("memo")


def test_a_name_already_known_is_refused_and_the_collections_platforms_stay():
    with pytest.raises(ValueError, match="platform 'zstack' is already registered"):
        register(PlatformDescriptor("zstack", "ZStack again", "ZSTACK2", __name__, __name__, {}, "x:Y", 1))
    with pytest.raises(ValueError, match="platform 'vsd' is one of the collection's and cannot be removed"):
        unregister("vsd")
    assert list(PLATFORM_NAMES) == ["zstack", "vsd", "osgview", "migration", "opendcp"]
