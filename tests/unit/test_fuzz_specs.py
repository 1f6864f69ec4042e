"""Property-based fuzzing of every kind's options, through the one validator the modules and the reconciler use.

For each spec, hypothesis draws option values built from the spec's own fields (values of the right
type, of every wrong type, and odd strings). Validation either returns the converted options or raises
SpecError naming an option; it never raises anything else, and a non-string given to a string option
is always refused naming it.
"""

from __future__ import annotations

import importlib

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.platforms import MODULE_UTILS, PLATFORM_NAMES

#: every spec a module is built on, reconcilable or not (an OpenDCP flow, a VSD volume rollback)
SPECS = sorted((spec.kind, spec) for name in PLATFORM_NAMES
               for spec in importlib.import_module(f"{MODULE_UTILS}.resources.{name}").SPECS)
ODD_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
ANY_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | ODD_TEXT,
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
                        max_leaves=6)


def value_for(field) -> st.SearchStrategy:
    """Values a user could give for one field: of its own type (often valid) or of any other JSON type."""
    own = {"str": ODD_TEXT, "path": ODD_TEXT, "int": st.integers(-10, 10**6), "float": st.floats(-1e6, 1e6),
           "bool": st.booleans(), "list": st.lists(ODD_TEXT, max_size=3),
           "dict": st.dictionaries(ODD_TEXT, ODD_TEXT, max_size=3), "raw": ANY_JSON}.get(field.type, ANY_JSON)
    if field.choices:
        own = st.sampled_from(field.choices) | own
    return own | ANY_JSON


def options_for(spec) -> st.SearchStrategy:
    fields = {name: value_for(field) for name, field in spec.fields.items()}
    return st.fixed_dictionaries({}, optional=fields)


@pytest.mark.parametrize("kind, spec", SPECS, ids=[kind for kind, _ in SPECS])
def test_validation_returns_or_refuses_naming_an_option(kind, spec):
    known = set(spec.fields) | {"state", "wait", "wait_timeout"}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(options_for(spec))
    def check(options):
        try:
            spec.validate(spec.normalize(options))
        except SpecError as exc:
            assert exc.option is None or exc.option.split(".")[0].split("[")[0] in known, exc.option
            for name, value in options.items():
                if spec.fields[name].type in ("str", "path") and value is not None and not isinstance(value, str) \
                        and exc.option == name:
                    assert "must be a string" in exc.message
            return
        for name, value in options.items():
            field = spec.fields[name]
            if field.type in ("str", "path") and value is not None:
                assert isinstance(value, str), f"{kind}.{name}: {value!r} was taken for a string"

    check()


@pytest.mark.parametrize("kind, spec", [item for item in SPECS if item[0] in ("opendcp_flow", "opendcp_service")],
                         ids=["opendcp_flow", "opendcp_service"])
def test_a_list_for_a_number_is_refused_naming_it_not_an_overflow(kind, spec):
    """Found by the fuzz above: ansible-core reads a list given for an int as a Decimal tuple and overflows."""
    from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

    number = next(name for name, field in spec.fields.items() if field.type == "int")
    with pytest.raises(SpecError) as caught:
        spec.validate({"name": "x", number: [9_223_372_036_854_775_808, None, None]})
    assert (caught.value.option, caught.value.message) == (
        number, "must be a number, got a list [9223372036854775808, None, None]")


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")], ids=["inf", "-inf", "nan"])
def test_an_infinite_or_nan_number_is_refused_naming_it_not_an_overflow(value):
    """Found by the fuzz above: ansible-core's int() of an infinite float overflows."""
    spec = dict(SPECS)["opendcp_cluster"]
    with pytest.raises(SpecError) as caught:
        spec.validate({"name": "x", "id": value})
    assert (caught.value.option, caught.value.message) == ("id", f"must be a finite number, got {value!r}")
