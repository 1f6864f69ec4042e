"""The ZStack model's system and user tags: create, update, delete, query, and the tags of a resource."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from .base import Context, ZStackFailure, ZStackStore, format_date, not_found, operation_error
from .query import SYSTEM_TAG_FIELD, USER_TAG_FIELD
from .tag_store import TagStore

#: whether a resource of a type (its VO class name) exists: the question a tag's create asks the model
ResourceExists = Callable[[str, str], bool]


class TagFamily(ZStackStore):
    """The tags (a `TagStore`, indexed by text and identity) and the rules of the tag APIs."""

    persisted = ("tags",)

    def __init__(self, context: Context, resource_exists: ResourceExists):
        super().__init__(context)
        self.resource_exists = resource_exists
        self.tags = TagStore()

    @property
    def tags(self) -> TagStore:
        """The tag records by uuid (restored from saved state as a plain dict, kept as a TagStore)."""
        return self._tags

    @tags.setter
    def tags(self, records: dict[str, dict[str, Any]]) -> None:
        self._tags = records if isinstance(records, TagStore) else TagStore(records)

    def create_tag(self, kind: str, resource_type: str, resource_uuid: str, tag: str) -> dict[str, Any]:
        """CreateSystemTag / CreateUserTag: the resource must exist and the tag must be new."""
        if not self.resource_exists(resource_type, resource_uuid):
            raise ZStackFailure("SYS.1003", "resource not found",
                                f"no resource[uuid:{resource_uuid}, type:{resource_type}] found")
        self._refuse_duplicate_tag(kind, resource_type, resource_uuid, tag)
        now = self.now()
        record: dict[str, Any] = {"uuid": self.context.new_uuid(), "kind": kind, "resourceType": resource_type,
                  "resourceUuid": resource_uuid, "tag": tag, "createdAt": now, "updatedAt": now}
        self.tags[record["uuid"]] = record
        return tag_inventory(record)

    def write_inherent_tags(self, hosts: Iterable[Mapping[str, Any]] | None) -> None:
        """The system tags ZStack writes itself on a host when it connects (`os::distribution::CentOS`, say), for
        each host of the fixtures (items checked already) that lists them in `systemTags`: `inherent`, unlike the
        tags CreateSystemTag makes."""
        for host in hosts or []:
            texts = host.get("systemTags") or []
            if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
                raise ValueError(f"zstack fixtures: host {host.get('uuid')}: systemTags must be a list of strings")
            now = self.now()
            for text in texts:
                record = {"uuid": self.context.new_uuid(), "kind": "System", "inherent": True, "resourceType": "HostVO",
                          "resourceUuid": host["uuid"], "tag": text, "createdAt": now, "updatedAt": now}
                self.tags[record["uuid"]] = record

    def update_system_tag(self, uuid: str, tag: str) -> dict[str, Any]:
        """UpdateSystemTag: change a system tag's text."""
        record = self.tags.get(uuid)
        if record is None or record["kind"] != "System":
            raise not_found("SystemTag", uuid)
        if record["tag"] != tag:
            self._refuse_duplicate_tag("System", record["resourceType"], record["resourceUuid"], tag)
        record = self.tags[uuid] = dict(record, tag=tag, updatedAt=self.now())  # replaced: the indexes follow
        return tag_inventory(record)

    def delete_tag(self, uuid: str, enforcing: bool) -> None:
        """DeleteTag: a system or user tag; `Enforcing` succeeds even when there is nothing to delete."""
        if self.tags.pop(uuid, None) is None and not enforcing:
            raise not_found("Tag", uuid)

    def drop_tags_of(self, resource_uuid: str) -> None:
        """Forget the tags of a resource that is gone."""
        for uuid in [uuid for uuid, record in self.tags.items() if record["resourceUuid"] == resource_uuid]:
            del self.tags[uuid]

    def tag_inventories(self, kind: str, conditions: Iterable[str] = ()) -> list[dict[str, Any]]:
        """QuerySystemTag / QueryUserTag rows; with `conditions`, only those an index says may match."""
        return [tag_inventory(record) for record in self.tags.candidates(kind, conditions)]

    def tag_index(self, resource_type: str, conditions: Iterable[str]) -> dict[str, dict[str, list[str]]]:
        """For the `__systemTag__` / `__userTag__` conditions: the tag texts of each resource of a type (left empty
        when no condition names those fields, so other queries never read every tag)."""
        index: dict[str, dict[str, list[str]]] = {SYSTEM_TAG_FIELD: {}, USER_TAG_FIELD: {}}
        if not any(field in condition for condition in conditions for field in index):
            return index
        for record in self.tags.values():
            if record["resourceType"] == resource_type:
                field = SYSTEM_TAG_FIELD if record["kind"] == "System" else USER_TAG_FIELD
                index[field].setdefault(record["resourceUuid"], []).append(record["tag"])
        return index

    def _refuse_duplicate_tag(self, kind: str, resource_type: str, resource_uuid: str, tag: str) -> None:
        uuid = self.tags.by_identity.get((kind, resource_type, resource_uuid, tag))
        if uuid is not None:
            raise operation_error(f"duplicate {kind.lower()} tag[{tag}] on resource[uuid:{resource_uuid}, "
                                  f"type:{resource_type}]: tag[uuid:{uuid}] has it already")


def tag_inventory(record: Mapping[str, Any]) -> dict[str, Any]:
    """A system tag (with `inherent`) or a user tag."""
    inventory: dict[str, Any] = {"inherent": bool(record.get("inherent"))} if record["kind"] == "System" else {}
    inventory.update({"uuid": record["uuid"], "resourceUuid": record["resourceUuid"],
                      "resourceType": record["resourceType"], "tag": record["tag"], "type": record["kind"],
                      "createDate": format_date(record["createdAt"]), "lastOpDate": format_date(record["updatedAt"])})
    return inventory
