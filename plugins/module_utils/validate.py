# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one validator of a kind's options, used by the modules and by the reconciler alike.

`check_options(spec, params)` runs ansible-core's `ArgumentSpecValidator` over the spec's argument
spec (types, choices, list elements, mutually exclusive keys: the very checks AnsibleModule makes),
then what ansible-core lets through and a platform would take badly (a list or mapping given where
a string belongs, which ansible-core turns into its Python text), then the constraints each `Field`
declares (`min`, `max`, `format`, `pattern`), then the kind's own rules (`spec.check`). Every problem
is a SpecError naming the option. A field declaring nested options (`Field(options=...)`: a mapping, or a
list of mappings) has each mapping checked the same way against its options, and a problem named by
its path, such as `steps[0].retry.retry_times`. (spec.py imports this module only when it validates, so importing
SpecError from it here makes no cycle.)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
import math
import re
import weakref

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.converge.platforms.plugins.module_utils.core_wording import same_wording
from ansible_collections.converge.platforms.plugins.module_utils.http import validate_base_url
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_UUID_HEX = re.compile(r"^[0-9a-fA-F]{32}$")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_DOTTED_NUMBERS = re.compile(r"^[0-9.]+$")
_CRON_ITEM = r"(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?"
_CRON_FIELD = re.compile(r"^%s(,%s)*$" % (_CRON_ITEM, _CRON_ITEM))
_OPTION_IN_MESSAGE = [
    re.compile(r"argument '([^']+)'"),
    re.compile(r"^value of ([^ ]+) must"),
    re.compile(r"elements of ([^ ]+) "),
    re.compile(r"for option '([^']+)'"),
    re.compile(r"^missing required arguments: ([^,\s]+)"),
    re.compile(r"^parameters are mutually exclusive: ([^|\s]+)"),
    re.compile(r"^([^.\s]+)\. Supported parameters include"),
]


class ConstraintError(ValueError):
    """A value that breaks a declared constraint (the message says what it should be)."""


def _ip(value):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ConstraintError("must be an IP address such as 127.0.0.1, got %r" % value)


def _host(value):
    if _DOTTED_NUMBERS.match(value) or ":" in value:
        return _ip(value)
    labels = value.rstrip(".").split(".")
    if not value or len(value) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise ConstraintError("must be an IP address or a host name, got %r" % value)


def _pattern_check(pattern, wording):
    def check(value):
        if not pattern.match(value):
            raise ConstraintError("must be %s, got %r" % (wording, value))
    return check


def _cron(value):
    fields = value.split()
    if len(fields) not in (5, 6) or not all(_CRON_FIELD.match(field) for field in fields):
        raise ConstraintError("must be a cron expression of 5 fields such as '*/5 * * * *', got %r" % value)


def _url(value):
    try:
        validate_base_url(value, option="")
    except ValueError as exc:
        raise ConstraintError(str(exc).lstrip(": "))


#: `Field(format=...)` names one of these
FORMATS = {
    "ip": _ip,
    "host": _host,
    "uuid": _pattern_check(_UUID, "a UUID such as 3a90ae79-9b69-4b79-b7b9-5ad5f105bfd5"),
    "uuid_hex": _pattern_check(_UUID_HEX, "a UUID of 32 hex digits without hyphens"),
    "cron": _cron,
    "url": _url,
}


def option_of(message, known):
    """The option an ArgumentSpecValidator message is about, or None."""
    for pattern in _OPTION_IN_MESSAGE:
        match = pattern.search(message)
        if match and match.group(1).split(".")[0] in known:
            return match.group(1)
    return None


#: the Python types ArgumentSpecValidator hands back unchanged for each option type (bool is not an int here)
_KEPT_AS_IS = {"str": (str,), "int": (int,), "float": (float,), "bool": (bool,), "raw": (str, int, float, bool)}

#: per spec: its argument spec, and the verdicts already reached (`_Verdicts`)
_VERDICTS = weakref.WeakKeyDictionary()


class _Verdicts:
    """ArgumentSpecValidator's verdicts on one spec, remembered by the shape of the parameters.

    Parameters of one shape (the same options given, each value of a type the validator keeps as it is,
    and the same value wherever it is checked against choices) get the same verdict: valid, with the same
    defaults added. So the validator runs once per shape, not once per entry: 10,000 desired tags of one
    kind cost a handful of runs. Anything else (a value to convert, a list of mappings, sub-options)
    goes to the validator every time.
    """

    def __init__(self, spec):
        self.argument_spec = spec.argument_spec()
        self.mutually_exclusive = [list(group) for group in spec.mutually_exclusive]
        self.added = {}

    def shape(self, given):
        """A hashable key of `given` for which the verdict is sure to be the same, or None."""
        key = []
        for name in sorted(given):
            option, value = self.argument_spec[name], given[name]
            if option.get("options") or option.get("aliases"):
                return None
            kept = _KEPT_AS_IS.get(option.get("type", "str"))
            if option.get("type") == "list":
                kept = _KEPT_AS_IS.get(option.get("elements") or "")
                if not (isinstance(value, list) and kept and all(_kept(item, kept) for item in value)):
                    return None
                key.append((name, tuple(value) if option.get("choices") else "list"))
            elif kept and _kept(value, kept):
                key.append((name, value if option.get("choices") else type(value)))
            else:
                return None
        return tuple(key)

    def validated(self, given):
        """The converted parameters; raises SpecError on the validator's first error."""
        shape = self.shape(given)
        if shape is not None and shape in self.added:
            added, mutable = self.added[shape]
            result = dict(given)
            result.update(copy.deepcopy(added) if mutable else added)
            return result
        validator = ArgumentSpecValidator(self.argument_spec, mutually_exclusive=self.mutually_exclusive)
        result = validator.validate(given)
        for error in result.errors.errors:
            message = getattr(error, "error_message", None) or str(error)
            option = option_of(message, self.argument_spec)
            message = same_wording(message, given.get(option), known=option in given)
            raise SpecError(option, _reworded(message, option))
        validated = result.validated_parameters
        if shape is not None and all(validated.get(k) == v for k, v in given.items()):
            added = dict((k, v) for k, v in validated.items() if k not in given)
            mutable = any(isinstance(v, (list, dict)) for v in added.values())
            self.added[shape] = (copy.deepcopy(added) if mutable else added, mutable)
        return validated


def _kept(value, types):
    return isinstance(value, types) and not (isinstance(value, bool) and bool not in types)


def _types(spec, params):
    """ArgumentSpecValidator's verdict on the spec's own options; returns the converted parameters."""
    verdicts = _VERDICTS.get(spec)
    if verdicts is None:
        verdicts = _VERDICTS[spec] = _Verdicts(spec)
    given = dict((k, v) for k, v in params.items() if k in verdicts.argument_spec and v is not None)
    return verdicts.validated(given)


def _reworded(message, option):
    if option and message.startswith("value of %s " % option):
        return message[len("value of %s " % option):]
    return message


def _shape(name, field_type, value):
    """What ansible-core would quietly turn into something else: refuse it instead.

    A list, mapping or boolean given for a string becomes its Python text (`"['a', 'b']"`), a number
    its digits (`1.10` becomes `"1.1"`), and a boolean given for a number becomes 0 or 1.
    """
    if field_type in ("str", "path") and isinstance(value, (list, dict, bool)):
        raise SpecError(name, "must be a string, got %s %r" % (_kind_of(value), value))
    if field_type in ("str", "path") and isinstance(value, (int, float)):
        raise SpecError(name, "must be a string, got a number %r (quote it: '%s')" % (value, value))
    if field_type in ("int", "float") and isinstance(value, bool):
        raise SpecError(name, "must be a number, got a boolean %r" % value)
    # ansible-core reads a list given for a number as decimal.Decimal's (sign, digits, exponent) tuple
    if field_type in ("int", "float") and isinstance(value, (list, dict)):
        raise SpecError(name, "must be a number, got %s %r" % (_kind_of(value), value))
    # an infinite or NaN float: ansible-core's int() of it overflows, and no platform takes it as a number
    if field_type in ("int", "float") and isinstance(value, float) and not math.isfinite(value):
        raise SpecError(name, "must be a finite number, got %r" % value)
    if field_type == "dict" and not isinstance(value, dict):
        raise SpecError(name, "must be a mapping, got %s %r" % (_kind_of(value), value))


def _no_silent_conversion(name, field, value):
    """`_shape` for a field, and for each item of a list field."""
    _shape(name, field.type, value)
    if field.type == "list" and field.elements and isinstance(value, list):
        for index, item in enumerate(value):
            _shape("%s[%d]" % (name, index), field.elements, item)


def _field_value(name, field, value):
    """The field's declared constraints on a value already converted to its type."""
    if field.type == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            _constraints("%s[%d]" % (name, index), field, item)
        return
    _constraints(name, field, value)


def _constraints(name, field, value):
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        if field.min is not None and value < field.min:
            raise SpecError(name, "must be at least %s, got %s" % (field.min, value))
        if field.max is not None and value > field.max:
            raise SpecError(name, "must be at most %s, got %s" % (field.max, value))
    if isinstance(value, str):
        if field.format:
            try:
                FORMATS[field.format](value)
            except ConstraintError as exc:
                raise SpecError(name, str(exc))
        if field.pattern and not re.search(field.pattern, value):
            raise SpecError(name, "must match %s, got %r" % (field.pattern, value))
        if field.required and not value.strip():
            raise SpecError(name, "must not be empty")


#: how a message names the type of a value given, by the first of these types it is (else its type's name)
_KIND_NAMES = ((dict, "a mapping"), (list, "a list"), (bool, "a boolean"))


def _kind_of(value):
    """The type of a value given, in a message's words."""
    for kind, text in _KIND_NAMES:
        if isinstance(value, kind):
            return text
    return "a %s" % type(value).__name__


def nested_options(name, field, value):
    """A value of a field with nested options, each of its mappings checked (`_mapping`) and named by its path.

    Returns the value converted to the options' types, each mapping holding only the keys it was given.
    """
    if field.type == "list" and isinstance(value, list):
        return [_mapping("%s[%d]" % (name, index), field.options, item) for index, item in enumerate(value)]
    return _mapping(name, field.options, value)


def _mapping(path, options, given):
    """One mapping of nested options, checked as a kind's options are: known keys, required ones, no silent
    conversion, ArgumentSpecValidator's types, declared constraints, and its own nested options."""
    if not isinstance(given, dict):
        raise SpecError(path, "must be a mapping, got %s %r" % (_kind_of(given), given))
    unknown = sorted(set(given) - set(options))
    if unknown:
        raise SpecError("%s.%s" % (path, unknown[0]), "unknown key %r (known: %s)" % (
            unknown[0], ", ".join(sorted(options))))
    present = dict((key, value) for key, value in given.items() if value is not None)
    for key, sub in options.items():
        if key not in present:
            if sub.required:
                raise SpecError("%s.%s" % (path, key), "is required")
            continue
        _no_silent_conversion("%s.%s" % (path, key), sub, present[key])
        if sub.options:
            present[key] = nested_options("%s.%s" % (path, key), sub, present[key])
    argument_spec = dict((key, dict(sub.argument_spec(), options=None)) for key, sub in options.items())
    result = ArgumentSpecValidator(argument_spec).validate(present)
    for error in result.errors.errors:
        message = getattr(error, "error_message", None) or str(error)
        key = option_of(message, argument_spec)
        message = same_wording(message, present.get(key), known=key in present)
        raise SpecError("%s.%s" % (path, key) if key else path, _reworded(message, key))
    converted = dict((key, result.validated_parameters[key]) for key in present)
    for key, value in converted.items():
        _field_value("%s.%s" % (path, key), options[key], value)
    return converted


def check_options(spec, params):
    """Validate a kind's options the one way; return them converted to their types.

    `params` are the options as given (module parameters or a desired entry). Raises SpecError
    naming the first bad option (a nested one by its path).
    """
    nested = {}
    for name, field in spec.fields.items():
        value = params.get(name)
        if value is None:
            if field.required:
                raise SpecError(name, "is required")
            continue
        _no_silent_conversion(name, field, value)
        if field.options:
            nested[name] = nested_options(name, field, value)
    converted = dict(params)
    converted.update((k, v) for k, v in _types(spec, params).items() if k in spec.fields)
    converted.update(nested)
    for name, field in spec.fields.items():
        if converted.get(name) is not None:
            _field_value(name, field, converted[name])
    spec.check(converted)
    spec.check_wait(converted)
    return converted
