# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options of the OSG view modules."""

    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the OSG view server, such as C(http://127.0.0.1:18084) (the C(/osgview/...) paths are added).
      - The API has no login; OSG view answers status 400 for a group the caller may not use.
      - A URL with credentials in it (C(user:password@)) is refused; redirects are followed only to the same
        scheme, host and port, so a password or a session never goes elsewhere.
      - If not set, the environment variable E(OSGVIEW_URL) is used.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the TLS certificate of an C(https) URL.
      - If not set, the environment variable E(OSGVIEW_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of the certificate authorities to verify an C(https) URL with, instead of the system's.
      - Taken over C(REQUESTS_CA_BUNDLE) and C(CURL_CA_BUNDLE); ignored with O(validate_certs=false).
      - If not set, the environment variable E(OSGVIEW_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Time allowed for one HTTP call, in seconds, from connecting to the last byte of the answer; a server that
        sends its answer slowly fails the call when the time is up (a read is then retried, as after any
        timeout).
    type: int
    default: 30
  max_answer_bytes:
    description:
      - The most bytes of one answer read; a larger answer fails the call, and no more of it is read.
    type: int
    default: 67108864
requirements:
  - requests
"""
