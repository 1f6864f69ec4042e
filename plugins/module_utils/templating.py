# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one renderer of OpenDCP remote-action templates.

An action declares its parameters as `{"name": "string" | "integer" | ...}`; its implementation's
template is an Ansible task in JSON whose strings hold Jinja2 placeholders, such as
`{"action": {"module": "shell", "args": "echo {{echo_word}}"}}`. Templates render in a sandboxed
Jinja2 environment with StrictUndefined. Before anything renders, every variable a template uses
must be a declared parameter and every value must match its declared type; each problem raises
SpecError naming the option. The actimpl spec, the reconciler and the filter plugin
`converge.platforms.render_action` all use this module.

Parameter values are data, never code. In the args of a module that hands a command line to a shell
or splits it like one (`shell`, `command`, `raw`, `script`), every `{{ value }}` is shell-quoted
(`shlex.quote`), so `hi; touch pwned` stays one word; a template that really means to splice a
value into the command line unquoted says so with `{{ value | verbatim }}`, and `shell_warnings`
points that out, as it does a placeholder put inside quotes of its own. What the reconciler
hands to ansible-core is marked unsafe, so Ansible never templates a value a second time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import re
import shlex
import traceback

from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

try:
    from jinja2 import StrictUndefined, TemplateError, meta
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    HAS_JINJA2 = True
    JINJA2_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - modules run on hosts without Jinja2 report it
    HAS_JINJA2 = False
    JINJA2_IMPORT_ERROR = traceback.format_exc()

#: declared parameter type -> Python types a value may have (bool is never an integer or a number)
PARAM_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "float": (int, float),
    "boolean": (bool,),
    "bool": (bool,),
    "list": (list,),
    "array": (list,),
    "map": (dict,),
    "object": (dict,),
}

#: modules whose args are a command line: values placed into them are shell-quoted
SHELL_MODULES = frozenset(prefix + name for name in ("shell", "command", "raw", "script")
                          for prefix in ("", "ansible.builtin.", "ansible.legacy."))
_QUOTED_PLACEHOLDER = re.compile(r"""(['"])\s*\{\{[^}]*\}\}\s*\1""")
_VERBATIM = re.compile(r"\|\s*verbatim\b")
#: what makes a string a template rather than plain text
_HAS_SYNTAX = re.compile(r"\{[{%#]")

_ENVIRONMENTS = {}
#: compiled templates and their variables, by text: each template string is compiled and analysed once
_COMPILED = {}
_VARIABLES = {}
CACHE_LIMIT = 4096


class Verbatim(str):
    """A value the template asked to place into a command line as it is (`| verbatim`)."""


def _verbatim(value):
    return Verbatim(value)


def _shell_word(value):
    """How a `{{ value }}` reaches a command line: one shell word, unless the template said `| verbatim`."""
    if isinstance(value, Verbatim):
        return str(value)
    return shlex.quote(value if isinstance(value, str) else str(value))


def environment(shell=False):
    """The shared sandboxed environment (undefined names are errors, nothing is escaped).

    With `shell`, the environment for command lines: each expression's value is shell-quoted.
    """
    if not HAS_JINJA2:
        raise SpecError(None, "the Python library Jinja2 is required to render templates: %s" % JINJA2_IMPORT_ERROR)
    if shell not in _ENVIRONMENTS:
        options = {"finalize": _shell_word} if shell else {}
        env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, **options)
        env.filters["verbatim"] = _verbatim
        _ENVIRONMENTS[shell] = env
    return _ENVIRONMENTS[shell]


def _is_shell(template):
    action = template.get("action") if isinstance(template, dict) else None
    return isinstance(action, dict) and action.get("module") in SHELL_MODULES


def shell_warnings(template, option="template"):
    """What in a command-line template places values in a way the quoting cannot protect."""
    if not _is_shell(template):
        return []
    warnings = []
    for where, text in _strings(template["action"].get("args"), option + ".action.args"):
        if _VERBATIM.search(text):
            warnings.append("%s: '| verbatim' places a value into the command line unquoted: a value with "
                            "spaces, ';', '$(...)' or backticks then runs as shell code" % where)
        if _QUOTED_PLACEHOLDER.search(text):
            warnings.append("%s: a placeholder inside quotes of its own: values are shell-quoted already, so "
                            "drop the quotes around it" % where)
    return warnings


def _strings(template, path="template"):
    """(path, text) of every string value of a JSON structure (keys are not templated)."""
    if isinstance(template, dict):
        for key, value in template.items():
            yield from _strings(value, "%s.%s" % (path, key))
    elif isinstance(template, list):
        for index, value in enumerate(template):
            yield from _strings(value, "%s[%d]" % (path, index))
    elif isinstance(template, str):
        yield path, template


def _parse(text, where, option):
    try:
        return environment().parse(text)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise SpecError(option, "%s is not a valid Jinja2 template%s: %s" % (
            where, " (line %s)" % line if line else "", getattr(exc, "message", None) or exc))


def _cached(cache, key, make):
    """`cache[key]`, made by `make()` on first use; the cache is emptied when it grows past CACHE_LIMIT."""
    value = cache.get(key)
    if value is None:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        value = cache[key] = make()
    return value


def _variables_of(text, where, option):
    return frozenset(meta.find_undeclared_variables(_parse(text, where, option)))


def template_variables(template, option="template"):
    """Sorted names of the variables a template (a JSON structure or a string) uses."""
    names = set()
    for where, text in _strings(template, option):
        if not _HAS_SYNTAX.search(text):
            continue
        names.update(_cached(_VARIABLES, text, functools.partial(_variables_of, text, where, option)))
    # the environment's own globals (range, dict, ...) are not parameters
    return sorted(name for name in names if name not in environment().globals)


def check_declared(declared, option="params"):
    """Every declared parameter has a known type; raise SpecError naming `option` otherwise."""
    if not isinstance(declared, dict):
        raise SpecError(option, "must be a mapping of parameter name to type")
    for name, kind in declared.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise SpecError(option, "parameter name %r is not a valid template variable name" % (name,))
        if not isinstance(kind, str) or kind not in PARAM_TYPES:
            raise SpecError(option, "parameter %r has type %r; known types: %s" % (
                name, kind, ", ".join(sorted(PARAM_TYPES))))


def check_template(template, declared, option="template", action=None):
    """Every variable the template uses is a declared parameter; returns the variables used."""
    used = template_variables(template, option)
    unknown = [name for name in used if name not in declared]
    if unknown:
        owner = "action %r" % action if action else "the action"
        raise SpecError(option, "uses %s not declared by %s (declared: %s)" % (
            ", ".join("'%s'" % name for name in unknown), owner, ", ".join(sorted(declared)) or "none"))
    return used


def check_values(params, declared, used=None, option="params"):
    """Every value names a declared parameter and has its declared type; every variable used has a value."""
    if not isinstance(params, dict):
        raise SpecError(option, "must be a mapping of parameter name to value")
    for name, value in params.items():
        if name not in declared:
            raise SpecError(option, "%r is not a declared parameter (declared: %s)" % (
                name, ", ".join(sorted(declared)) or "none"))
        kind = declared[name]
        types = PARAM_TYPES.get(kind, ())
        if value is None or not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise SpecError(option, "%s must be of type %s, got %s" % (name, kind, type(value).__name__))
    missing = [name for name in used or () if name not in params]
    if missing:
        raise SpecError(option, "no value for %s" % ", ".join("'%s'" % name for name in missing))


def render(template, params, declared, template_option="template", params_option="params", action=None):
    """The template with every string rendered, after checking variables, values and types.

    `declared` maps parameter names to types (`string`, `integer`, ...). Raises SpecError naming
    `template_option` or `params_option`.
    """
    check_declared(declared, params_option)
    used = check_template(template, declared, template_option, action)
    check_values(params, declared, used, params_option)
    if not _is_shell(template):
        return _render(template, params, template_option)
    # the args of a command-line module render with every value shell-quoted; the rest as usual
    rendered = _render(dict((k, v) for k, v in template.items() if k != "action"), params, template_option)
    action_part = dict(template["action"])
    args = action_part.pop("args", None)
    rendered["action"] = _render(action_part, params, template_option + ".action")
    if args is not None:
        rendered["action"]["args"] = _render(args, params, template_option + ".action.args", shell=True)
    return dict((key, rendered[key]) for key in template)


def _render(template, params, path, shell=False):
    if isinstance(template, dict):
        return dict((key, _render(value, params, "%s.%s" % (path, key), shell)) for key, value in template.items())
    if isinstance(template, list):
        return [_render(value, params, "%s[%d]" % (path, index), shell) for index, value in enumerate(template)]
    if isinstance(template, str):
        if not _HAS_SYNTAX.search(template):
            return template  # no placeholder, block or comment: the text is its own rendering
        try:
            compiled = _cached(_COMPILED, (shell, template), lambda: environment(shell).from_string(template))
            return compiled.render(**params)
        except TemplateError as exc:
            option = path.split(".", 1)[0].split("[", 1)[0]
            raise SpecError(option, "%s does not render: %s" % (path, getattr(exc, "message", None) or exc))
    return template
