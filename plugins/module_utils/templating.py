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

Parameter values are data, never code. The module is named as it is (`action.module` holds no
placeholder), so no value chooses what runs. In the action of a module that hands a command line to a
POSIX shell or splits it like one (`COMMAND_MODULES`: `shell`, `command`, `raw`, `script`, `expect`,
OpenDCP's `longscript`, under any collection name), every `{{ value }}` is shell-quoted (`shlex.quote`),
so `hi; touch pwned` stays one word; a template that really means to splice a value into the command
line unquoted says so with `{{ value | verbatim }}`, and `shell_warnings` points that out, as it does a
placeholder put inside quotes of its own. In the action of a module that runs a command some other way
(PowerShell, cmd.exe, a network device's CLI, a container), which no one quoting protects, a value is
placed only with `| verbatim`; any other placeholder is refused. What the reconciler hands to
ansible-core is marked unsafe, so Ansible never templates a value a second time.

Every value a template makes (an operator's, a method's or a filter's result, a `~` join, a block's
text, the rendered string) is at most `MAX_VALUE_LENGTH` characters (64 KiB). Where the size follows
from the operands (`*`, `**`, `+`, `~`, `%`, `str.format`, widths and counts of `center`, `indent`,
`replace`, `join`, `batch`, ...), a value over the bound is refused before it is built; every other
result is checked once made. The bound is on size, not on time: a template that loops long runs long.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import json
import math
import re
import shlex
import string
import traceback

from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

try:
    from jinja2 import StrictUndefined, TemplateError, meta, nodes
    from jinja2.compiler import CodeGenerator
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

    HAS_JINJA2 = True
    JINJA2_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - modules run on hosts without Jinja2 report it
    HAS_JINJA2 = False
    JINJA2_IMPORT_ERROR = traceback.format_exc()
    # the classes below derive from these; without Jinja2 they are never instantiated (environment() says why)
    CodeGenerator = ImmutableSandboxedEnvironment = object

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

#: the longest value, in characters, a template may make: each result, each join and each rendered string
MAX_VALUE_LENGTH = 65536

#: how the values placed into a command-running module's action are protected
QUOTED, VERBATIM_ONLY = "quoted", "verbatim only"
#: every module that runs a command, by its short name (under any collection: `shell`, `ansible.builtin.shell`,
#: `ansible.legacy.shell`): QUOTED for a command line a POSIX shell runs or that is split like one (each value is
#: shell-quoted), VERBATIM_ONLY where no one quoting fits (a value goes in only through `| verbatim`)
COMMAND_MODULES = {
    "shell": QUOTED, "command": QUOTED, "raw": QUOTED, "script": QUOTED, "expect": QUOTED,
    "longscript": QUOTED,  # OpenDCP's own: runs its `content` as a shell script
    "win_shell": VERBATIM_ONLY, "win_command": VERBATIM_ONLY, "win_powershell": VERBATIM_ONLY,
    "psexec": VERBATIM_ONLY, "win_psexec": VERBATIM_ONLY, "telnet": VERBATIM_ONLY,
}
#: short-name endings of further command-running modules (ios_command, cli_command, vmware_vm_shell, k8s_exec, ...)
VERBATIM_ONLY_SUFFIXES = ("_command", "_shell", "_exec")
_QUOTED_PLACEHOLDER = re.compile(r"""(['"])\s*\{\{[^}]*\}\}\s*\1""")
_VERBATIM = re.compile(r"\|\s*verbatim\b")
#: what makes a string a template rather than plain text
_HAS_SYNTAX = re.compile(r"\{[{%#]")

_ENVIRONMENTS = {}
#: compiled templates and their variables, by text: each template string is compiled and analysed once
_COMPILED = {}
_VARIABLES = {}
CACHE_LIMIT = 4096


#: printf conversions (`%` and the `format` filter): their width and precision, "*" taking one from the values
_PRINTF_WIDTHS = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")


class Verbatim(str):
    """A value the template asked to place into a command line as it is (`| verbatim`)."""


def holds_template(text):
    """Whether `text` holds Jinja2 syntax (`{{`, `{%` or `{#`), so that a templating engine would run it."""
    return bool(_HAS_SYNTAX.search(text))


def _verbatim(value):
    return Verbatim(value)


def _shell_word(value):
    """How a `{{ value }}` reaches a command line: one shell word, unless the template said `| verbatim`."""
    if isinstance(value, Verbatim):
        return str(value)
    return shlex.quote(value if isinstance(value, str) else str(value))


# --- the bound on every value a template makes -------------------------------------------------------------
def _refuse_over(size, what):
    """Raise SecurityError (a TemplateError) when `what` would make a value longer than MAX_VALUE_LENGTH."""
    if size > MAX_VALUE_LENGTH:
        raise SecurityError("%s would make a value of %d characters; a value a template makes is at most %d "
                            "characters (MAX_VALUE_LENGTH)" % (what, size, MAX_VALUE_LENGTH))


def _bounded(value, what):
    """`value`, once a string, list or tuple `what` made is known to be within the bound."""
    if isinstance(value, (str, list, tuple)):
        _refuse_over(len(value), what)
    return value


def _length(value):
    """The length of a string, list or tuple; None for any other value."""
    return len(value) if isinstance(value, (str, list, tuple)) else None


def _count(value):
    """An integer argument as a count; any other value (which the call itself refuses) as 0."""
    return value if isinstance(value, int) and value > 0 else 0


def _materialized(value):
    """An iterator as a list, so its size can be counted before the call that consumes it."""
    return list(value) if hasattr(value, "__next__") else value


def _texts_size(items):
    """How long the text of every item is, together."""
    return sum(len(item if isinstance(item, str) else str(item)) for item in items)


def _binop_size(operator, left, right):
    """The size of `left <operator> right` (its digits for '**'), known before it is computed; 0 for other values."""
    if operator == "*":
        sized, times = (left, right) if _length(left) is not None else (right, left)
        return (_length(sized) or 0) * _count(times)
    if operator == "+" and _length(left) is not None and _length(right) is not None:
        return len(left) + len(right)
    if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        return int(right * math.log10(abs(left))) + 1
    if operator == "%" and isinstance(left, str):
        return _printf_size(left, right)
    return 0


def _printf_size(text, values):
    """At most how long `text % values` is: the text, each value, and each width and precision."""
    if isinstance(values, dict):
        items = list(values.values())
    else:
        items = list(values) if isinstance(values, tuple) else [values]
    widths = [number for match in _PRINTF_WIDTHS.finditer(text) for number in match.groups() if number]
    size = len(text) + _texts_size(items) + sum(int(number) for number in widths if number != "*")
    return size + (sum(_count(item) for item in items) if "*" in widths else 0)


def _format_size(text, args, kwargs):
    """At most how long `text.format(*args, **kwargs)` (or `format_map`) is, counted as for `%`."""
    items = list(args) + list(kwargs.values())
    specs = [spec for _text, _field, spec, _conversion in string.Formatter().parse(text) if spec]
    size = len(text) + _texts_size(items) + sum(int(number) for spec in specs for number in _NUMBER.findall(spec))
    if any("{" in spec for spec in specs):  # a width taken from the values
        size += sum(_count(item) for item in items) + sum(
            _count(value) for item in items if isinstance(item, dict) for value in item.values())
    return size


def _width_size(text, width=0, *_options):
    """center, ljust, rjust, zfill: the text padded to `width`."""
    return max(len(str(text)), _count(width))


def _replace_size(text, old, new, count=None):
    """The length of `text.replace(old, new, count)`."""
    text, old, new = str(text), str(old), str(new)
    found = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(len(new) - len(old), 0)


def _join_size(separator, items):
    """The length of `separator.join(items)`."""
    items = list(items)
    return _texts_size(items) + len(str(separator)) * max(len(items) - 1, 0)


def _indent_size(text, width=4, *_options):
    """The indent filter: every line of the text indented by `width` spaces (or by the text `width`)."""
    text = str(text)
    return len(text) + (text.count("\n") + 1) * (_count(width) if isinstance(width, int) else len(str(width)))


def _wrap_size(text, width=79, break_long_words=True, wrapstring=None, *_options):
    """The wordwrap filter: at most one `wrapstring` after each character."""
    return len(str(text)) * (1 + len(wrapstring if isinstance(wrapstring, str) else "\n"))


def _sum_size(items, attribute=None, start=0):
    """The sum filter over strings or lists (`start=[]`): every item together; 0 for numbers."""
    return 0 if _length(start) is None else len(start) + _texts_size(items)


def _split_size(items, count, fill_with=None):
    """The batch and slice filters: at most the items and `count` fillers (or lists)."""
    return len(list(items)) + _count(count)


def _depth(value):
    """How deeply lists and mappings nest in `value`."""
    if isinstance(value, dict):
        value = list(value.values())
    return 1 + max((_depth(item) for item in value), default=0) if isinstance(value, (list, tuple)) else 0


def _json_size(value, indent=None):
    """The tojson filter: the compact JSON, each nesting level indented by `indent` on every line."""
    return len(json.dumps(value, default=str)) * (1 + _count(indent) * _depth(value))


#: str methods whose result can be much longer than the string, by how long it is
_METHOD_SIZES = {
    "center": _width_size, "ljust": _width_size, "rjust": _width_size, "zfill": _width_size,
    "expandtabs": lambda text, tabsize=8: len(text) + text.count("\t") * _count(tabsize),
    "replace": _replace_size,
    "join": _join_size,
}
#: filters whose result can be much longer than their value, by how long it is
_FILTER_SIZES = {
    "center": _width_size, "indent": _indent_size, "wordwrap": _wrap_size,
    "format": lambda text, *args, **kwargs: _printf_size(str(text), kwargs or args),
    "replace": _replace_size,
    "join": lambda items, d="", attribute=None: _join_size(d, items),
    "sum": _sum_size, "batch": _split_size, "slice": _split_size, "tojson": _json_size,
}


def _bounded_filter(name, func):
    """The filter `func`, its result checked against the bound; estimated first when `_FILTER_SIZES` knows how."""
    size = _FILTER_SIZES.get(name)
    # an environment or context Jinja2 passes first (pass_environment, pass_eval_context, ...)
    lead = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0
    what = "the filter '%s'" % name

    @functools.wraps(func)
    def bounded(*args, **kwargs):
        if size is not None:
            args = args[:lead] + tuple(_materialized(arg) for arg in args[lead:])
            _refuse_over(size(*args[lead:], **kwargs), what)
        return _bounded(func(*args, **kwargs), what)

    return bounded


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja2's code generator, `a ~ b` compiled to the environment's bounded join instead of str_join."""

    def visit_Concat(self, node, frame):
        self.write("environment.concat((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox in which no value a template makes is longer than MAX_VALUE_LENGTH characters.

    Operators, str methods, str.format and filters are refused before they build a value over the bound
    where its size follows from their operands, and every result is checked once made; every text joined
    (`~`, a block's text, the rendered string) is counted as it is joined.
    """

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset(("*", "**", "+", "%"))

    def __init__(self, **options):
        super().__init__(**options)
        self.globals.pop("lipsum", None)  # filler text as long as asked, of no use to a task
        self.filters = dict((name, _bounded_filter(name, func)) for name, func in self.filters.items())

    def concat(self, pieces):
        """The pieces joined as text, refused as soon as they grow past the bound."""
        parts, size = [], 0
        for piece in pieces:
            piece = piece if isinstance(piece, str) else str(piece)
            size += len(piece)
            _refuse_over(size, "joining text")
            parts.append(piece)
        return "".join(parts)

    def call_binop(self, context, operator, left, right):
        what = "'%s'" % operator
        _refuse_over(_binop_size(operator, left, right), what)
        return _bounded(super().call_binop(context, operator, left, right), what)

    def call(self, *args, **kwargs):
        """A call from the template (context, callable, its arguments): a str method estimated first when
        `_METHOD_SIZES` knows how, every result checked. Only positional names, so any keyword passes through."""
        context, function, args = args[0], args[1], tuple(args[2:])
        owner = getattr(function, "__self__", None)
        name = getattr(function, "__name__", type(function).__name__)
        what = "%s.%s" % (type(owner).__name__, name) if isinstance(owner, str) else name
        size = _METHOD_SIZES.get(name) if isinstance(owner, str) else None
        if size is not None:
            args = tuple(_materialized(arg) for arg in args)
            _refuse_over(size(owner, *args, **kwargs), what)
        return _bounded(super().call(context, function, *args, **kwargs), what)

    def wrap_str_format(self, value):
        """The sandbox's str.format and str.format_map, refused when their widths would pass the bound."""
        sandboxed = super().wrap_str_format(value)
        if sandboxed is None:
            return None
        text, what = value.__self__, "str.%s" % value.__name__

        def bounded(*args, **kwargs):
            _refuse_over(_format_size(text, args, kwargs), what)
            return _bounded(sandboxed(*args, **kwargs), what)

        return functools.update_wrapper(bounded, sandboxed)


def environment(shell=False):
    """The shared sandboxed environment (undefined names are errors, nothing is escaped, values bounded).

    With `shell`, the environment for command lines: each expression's value is shell-quoted.
    """
    if not HAS_JINJA2:
        raise SpecError(None, "the Python library Jinja2 is required to render templates: %s" % JINJA2_IMPORT_ERROR)
    if shell not in _ENVIRONMENTS:
        options = {"finalize": _shell_word} if shell else {}
        env = BoundedSandbox(undefined=StrictUndefined, autoescape=False, **options)
        env.filters["verbatim"] = _verbatim
        _ENVIRONMENTS[shell] = env
    return _ENVIRONMENTS[shell]


# --- the module and the command it runs ----------------------------------------------------------------
def command_module(module):
    """QUOTED or VERBATIM_ONLY for a module that runs a command (named under any collection), None otherwise."""
    if not isinstance(module, str):
        return None
    short = module.rsplit(".", 1)[-1]
    if short in COMMAND_MODULES:
        return COMMAND_MODULES[short]
    return VERBATIM_ONLY if short.endswith(VERBATIM_ONLY_SUFFIXES) else None


def _action_of(template):
    """The template's `action` mapping, or None."""
    action = template.get("action") if isinstance(template, dict) else None
    return action if isinstance(action, dict) else None


def _runs_command(template):
    action = _action_of(template)
    return action is not None and command_module(action.get("module")) is not None


def _command_parts(template, option):
    """(path, text) of every string of a command-running module's action but the module's name."""
    if not _runs_command(template):
        return
    for key, value in template["action"].items():
        if key != "module":
            yield from _strings(value, "%s.action.%s" % (option, key))


def _unverbatim_names(parsed):
    """For each output expression of a parsed template that is not `| verbatim`, the variables it uses."""
    for output in parsed.find_all(nodes.Output):
        for expression in output.nodes:
            if isinstance(expression, nodes.TemplateData) or (
                    isinstance(expression, nodes.Filter) and expression.name == "verbatim"):
                continue
            found = [expression] if isinstance(expression, nodes.Name) else expression.find_all(nodes.Name)
            names = sorted(set(name.name for name in found))
            if names:
                yield names


def check_action(template, option="template", action=None):
    """The module is named as it is, and a command no quoting protects takes a value only through `| verbatim`.

    Raises SpecError naming `option`; `action` names the action the template implements.
    """
    part = _action_of(template)
    if part is None:
        return
    module = part.get("module")
    if isinstance(module, str) and _HAS_SYNTAX.search(module):
        raise SpecError(option, "%s.action.module%s is %r: the module must be named as it is, not by a template, so "
                                "that no parameter chooses what runs or how its values are quoted" % (
                                    option, " of action %r" % action if action else "", module))
    if command_module(module) != VERBATIM_ONLY:
        return
    for where, text in _command_parts(template, option):
        if not _HAS_SYNTAX.search(text):
            continue
        for names in _unverbatim_names(_parse(text, where, option)):
            raise SpecError(option, "%s: '{{ %s }}' places a value into the command of %s, which no quoting "
                                    "protects: write '{{ %s | verbatim }}' if the value is meant to be code" % (
                                        where, " ~ ".join(names), module, names[0]))


def shell_warnings(template, option="template"):
    """What in a command-line template places values in a way the quoting cannot protect."""
    warnings = []
    quoted = _runs_command(template) and command_module(template["action"].get("module")) == QUOTED
    for where, text in _command_parts(template, option):
        if _VERBATIM.search(text):
            warnings.append("%s: '| verbatim' places a value into the command line unquoted: a value with "
                            "spaces, ';', '$(...)' or backticks then runs as shell code" % where)
        if quoted and _QUOTED_PLACEHOLDER.search(text):
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
    """The action's module and command (check_action), and every variable the template uses is a declared
    parameter; returns the variables used."""
    check_action(template, option, action)
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
    if not _runs_command(template):
        return _render(template, params, template_option)
    # a command-running module's action renders with every value shell-quoted (its module name is no template)
    rendered = {}
    for key, value in template.items():
        if key != "action":
            rendered[key] = _render(value, params, "%s.%s" % (template_option, key))
            continue
        rendered[key] = dict((name, part if name == "module" else _render(
            part, params, "%s.action.%s" % (template_option, name), shell=True)) for name, part in value.items())
    return rendered


#: what rendering raises besides Jinja2's own errors: an operation on the wrong type, a range too big, ...
_RENDER_ERRORS = (ArithmeticError, LookupError, TypeError, ValueError, RecursionError)


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
        except (TemplateError,) + _RENDER_ERRORS as exc:
            option = path.split(".", 1)[0].split("[", 1)[0]
            raise SpecError(option, "%s does not render: %s" % (path, getattr(exc, "message", None) or exc))
    return template
