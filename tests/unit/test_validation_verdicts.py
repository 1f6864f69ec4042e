"""The validator runs once per shape of parameters, and a remembered verdict never says other than the validator."""

import pytest
from ansible_collections.converge.platforms.plugins.module_utils import validate
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec, SpecError


class Probe(ResourceSpec):
    kind = "probe"
    fields = {
        "name": Field(required=True),
        "size": Field("int"),
        "mode": Field(choices=["fast", "safe"], default="safe"),
        "labels": Field("list", elements="str"),
        "enabled": Field("bool", default=True),
    }
    identity = ("name",)


def _runs(monkeypatch):
    runs = []
    real = validate.ArgumentSpecValidator

    class Counting(real):
        def validate(self, parameters, *args, **kwargs):
            runs.append(dict(parameters))
            return super().validate(parameters, *args, **kwargs)

    monkeypatch.setattr(validate, "ArgumentSpecValidator", Counting)
    return runs


def test_entries_of_one_shape_cost_one_run_of_the_validator_and_get_its_defaults(monkeypatch):
    runs = _runs(monkeypatch)
    spec = Probe()
    results = [spec.validate(spec.normalize({"name": f"n{i}", "size": i, "labels": ["a", "b"]})) for i in range(50)]
    assert len(runs) == 1
    assert results[7] == {"name": "n7", "size": 7, "mode": "safe", "labels": ["a", "b"], "enabled": True,
                          "state": "present"}


def test_a_value_to_convert_goes_to_the_validator_every_time(monkeypatch):
    runs = _runs(monkeypatch)
    spec = Probe()
    for _ in range(3):
        assert spec.validate(spec.normalize({"name": "n", "size": "12"}))["size"] == 12
    assert len(runs) == 3


def test_a_choice_is_checked_by_value_after_a_valid_one_was_remembered(monkeypatch):
    _runs(monkeypatch)
    spec = Probe()
    spec.validate(spec.normalize({"name": "a", "mode": "fast"}))
    with pytest.raises(SpecError) as error:
        spec.validate(spec.normalize({"name": "b", "mode": "quick"}))
    assert error.value.option == "mode"
    assert "fast, safe" in error.value.message


def test_a_boolean_is_not_taken_for_a_remembered_integer(monkeypatch):
    _runs(monkeypatch)
    spec = Probe()
    spec.validate(spec.normalize({"name": "a", "size": 3}))
    with pytest.raises(SpecError) as error:
        spec.validate(spec.normalize({"name": "b", "size": True}))
    assert error.value.option == "size"


def test_remembered_defaults_are_copies(monkeypatch):
    class Listed(Probe):
        fields = dict(Probe.fields, labels=Field("list", elements="str", default=["x"]))

    _runs(monkeypatch)
    spec = Listed()
    first = spec.validate({"name": "a"})
    first["labels"].append("changed")
    assert spec.validate({"name": "b"})["labels"] == ["x"]
