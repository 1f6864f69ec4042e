"""The desired state: YAML files read with line numbers, checked against the specs, into a `DesiredState`.

Every problem is reported as `file:line: reason`, all of them at once, before anything reads or writes a
platform. The package, by job: `model` (DesiredState, Entry, Endpoint), `yaml_reader` (bounded YAML with lines),
`schema` (pydantic models and the JSON schema built from the specs), `secrets` (references and what they may
read), `sections` (each section of a document, and the `--endpoints` files), `checks` (each entry by the
validator, then across entries) and `loader` (`load`, `resolve_secrets`).
"""

from ..errors import DocumentError
from .loader import load, resolve_secrets
from .model import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, DesiredState, Endpoint, Entry, entry_title, resource_title
from .schema import document_schema
from .secrets import read_secret

__all__ = ["DEFAULT_CONCURRENCY", "MAX_CONCURRENCY", "DesiredState", "DocumentError", "Endpoint", "Entry",
           "document_schema", "entry_title", "load", "read_secret", "resolve_secrets", "resource_title"]
