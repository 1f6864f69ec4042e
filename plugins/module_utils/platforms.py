# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platforms of the collection, one descriptor each, in one tuple: every other list of platforms derives from it.

The reconciler (`reconciler.platforms`), the emulator registry (`emulators.registry`), the module docs and
doc fragments (`tools/render_module_docs.py`) and the tests read `descriptors()`. A descriptor names its
platform's modules by dotted path, imported only when they are needed, so reading a descriptor never
imports a client. Adding a platform is a descriptor here, its client, its specs and its emulator.

`register(descriptor)` adds a platform at run time (a test's small sixth platform); `unregister(name)`
removes it again. Whatever derives from the list reads `descriptors()` when it needs it, so nothing has
to be told.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
from contextlib import contextmanager

MODULE_UTILS = "ansible_collections.converge.platforms.plugins.module_utils"

#: the connection options every platform has with the same documentation (the shared doc fragment's);
#: the environment variable each one falls back to is the platform's, so the text names them all
SHARED_OPTION_DOCS = {
    "validate_certs": ["Whether to verify the TLS certificate of an C(https) URL."],
    "ca_path": ["A PEM bundle of the certificate authorities to verify an C(https) URL with, instead of the "
                "system's.",
                "Taken over C(REQUESTS_CA_BUNDLE) and C(CURL_CA_BUNDLE); ignored with O(validate_certs=false)."],
    "timeout": ["Time allowed for one HTTP call, in seconds, from connecting to the last byte of the answer; a "
                "server that sends its answer slowly fails the call when the time is up (a read is then "
                "retried, as after any timeout)."],
    "max_answer_bytes": ["The most bytes of one answer read; a larger answer fails the call, and no more of it "
                         "is read."],
}

#: what the documentation of every platform's `url` says after the platform's own text
URL_NOTE = ("A URL with credentials in it (C(user:password@)) is refused; redirects are followed only to the "
            "same scheme, host and port, so a password or a session never goes elsewhere.")


class PlatformDescriptor(object):
    """One platform: its names, where its code lives, how its connection options read, how tests reach it.

    - `name`: the platform's name (the prefix of its kinds, its `endpoints:` key, its action group);
    - `title`: its name in README's module table;
    - `env_prefix`: the prefix of the environment variables its connection options fall back to
      (`ZSTACK` for `ZSTACK_URL`);
    - `client`: the dotted module holding `CONNECTION_ARGUMENT_SPEC` and `client_from_params`;
    - `resources`: the dotted module holding its resource specs, `SPECS`;
    - `option_docs`: the description of each connection option that is the platform's own (`url` and
      anything not in SHARED_OPTION_DOCS), without the environment variable, which the spec names;
    - `summary`: a note on its connection, for its doc fragment (such as "OpenDCP has no login");
    - `emulator`: its emulator class as `module:Class`, and `port` the port it listens on by default;
    - `credentials`: the endpoint options the tests log in to its emulator with;
    - `info_modules`: the names of its info modules (modules without a spec).
    """

    def __init__(self, name, title, env_prefix, client, resources, option_docs, emulator, port,
                 credentials=None, info_modules=(), summary=None):
        self.name = name
        self.title = title
        self.env_prefix = env_prefix
        self.client = client
        self.resources = resources
        self.option_docs = dict(option_docs)
        self.emulator = emulator
        self.port = port
        self.credentials = dict(credentials or {})
        self.info_modules = tuple(info_modules)
        self.summary = summary

    def __repr__(self):
        return "PlatformDescriptor(%r)" % self.name

    def client_module(self):
        """The platform's client module, imported now."""
        return importlib.import_module(self.client)

    def connection_argument_spec(self):
        """The connection options of its modules and endpoints (the client's CONNECTION_ARGUMENT_SPEC)."""
        return self.client_module().CONNECTION_ARGUMENT_SPEC

    def client_factory(self):
        """The function making a client from module options or a reconciler endpoint."""
        return self.client_module().client_from_params

    def specs(self):
        """Every resource spec of the platform, in its `SPECS` order."""
        return tuple(importlib.import_module(self.resources).SPECS)

    def emulator_location(self):
        """(module, class name) of its emulator."""
        module, _sep, name = self.emulator.partition(":")
        return module, name


def _builtin(name, title, option_docs, emulator, port, **more):
    """A descriptor of one of the collection's platforms: its client is module_utils/<name>.py, its specs
    module_utils/resources/<name>, its emulator emulators/<name>/api.py, its env prefix its name."""
    return PlatformDescriptor(name, title, name.upper(), "%s.%s" % (MODULE_UTILS, name),
                              "%s.resources.%s" % (MODULE_UTILS, name), option_docs,
                              "emulators.%s.api:%s" % (name, emulator), port, **more)


#: the platforms, in the order of the action groups, the README table and every generated list
DESCRIPTORS = (
    _builtin("zstack", "ZStack", {
        "url": ["Base URL of the ZStack API, such as C(http://127.0.0.1:18080) (the C(/zstack/v1) prefix is added)."],
        "username": ["ZStack account name."],
        "password": ["Password of the account, in clear; it is sent as its SHA-512 digest, as ZStack requires."],
        "job_timeout": ["How long to wait for one asynchronous ZStack job, in seconds."],
    }, "ZStackEmulator", 18080, credentials={"username": "admin", "password": "password"},
        info_modules=("zstack_info",)),
    _builtin("vsd", "VSD", {
        "url": ["Base URL of the VSD API, such as C(http://127.0.0.1:18081) (the C(/v1/compute) paths are added)."],
    }, "VsdEmulator", 18081, info_modules=("vsd_snapshot_info",), summary="the VSD API documents no login"),
    _builtin("osgview", "OSG view", {
        "url": ["Base URL of the OSG view server, such as C(http://127.0.0.1:18084) (the C(/osgview/...) paths "
                "are added).",
                "The API has no login; OSG view answers status 400 for a group the caller may not use."],
    }, "OsgViewEmulator", 18084, info_modules=("osgview_vm_group_info",)),
    _builtin("migration", "migration", {
        "url": ["Base URL of the migration platform's control service, such as C(https://migration.example.invalid) "
                "(the C(/Login), C(/MgmtTask), ... paths are added)."],
        "username": ["Account to log in with."],
        "password": ["Password of the account. The session token it gives is renewed with C(/ReAuth) when it "
                     "expires."],
    }, "MigrationEmulator", 18082, credentials={"username": "admin", "password": "password"},
        info_modules=("migration_info",)),
    _builtin("opendcp", "OpenDCP", {
        "url": ["Base URL of the OpenDCP API, such as C(http://127.0.0.1:18083)."],
        "operator": ["Name of the operator, sent as the C(Authorization) header; OpenDCP records it as the "
                     "C(opr_user) of the flows that expand, shrink and deploy start. OpenDCP refuses nothing "
                     "without it."],
    }, "OpenDcpEmulator", 18083, credentials={"operator": "converge"}, info_modules=("opendcp_info",),
        summary="OpenDCP has no login"),
)

_registered = list(DESCRIPTORS)


def descriptors():
    """The platforms now known: the collection's, then any registered since, in that order."""
    return tuple(_registered)


def names():
    """The names of the platforms now known, in order."""
    return tuple(d.name for d in _registered)


def descriptor(name):
    """The descriptor of platform `name`; ValueError naming the known ones when there is none."""
    for known in _registered:
        if known.name == name:
            return known
    raise ValueError("unknown platform %r; known: %s" % (name, ", ".join(names())))


def register(platform):
    """Add a platform; ValueError if one of its name is already known."""
    if platform.name in names():
        raise ValueError("platform %r is already registered" % platform.name)
    _registered.append(platform)
    return platform


def unregister(name):
    """Remove a platform `register` added; the collection's own stay."""
    if name in (d.name for d in DESCRIPTORS):
        raise ValueError("platform %r is one of the collection's and cannot be removed" % name)
    _registered.remove(descriptor(name))


@contextmanager
def registered(platform):
    """The platform registered for the duration of a `with` block, and removed after it whatever happens."""
    register(platform)
    try:
        yield platform
    finally:
        unregister(platform.name)
