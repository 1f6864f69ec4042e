# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options of the ZStack modules."""

    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the ZStack API, such as C(http://127.0.0.1:18080) (the C(/zstack/v1) prefix is added).
      - A URL with credentials in it (C(user:password@)) is refused; redirects are followed only to the same
        scheme, host and port, so a password or a session never goes elsewhere.
      - If not set, the environment variable E(ZSTACK_URL) is used.
    type: str
    required: true
  username:
    description:
      - ZStack account name.
      - If not set, the environment variable E(ZSTACK_USERNAME) is used.
    type: str
    default: admin
  password:
    description:
      - Password of the account, in clear; it is sent as its SHA-512 digest, as ZStack requires.
      - If not set, the environment variable E(ZSTACK_PASSWORD) is used.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the TLS certificate of an C(https) URL.
      - If not set, the environment variable E(ZSTACK_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of the certificate authorities to verify an C(https) URL with, instead of the system's.
      - Taken over C(REQUESTS_CA_BUNDLE) and C(CURL_CA_BUNDLE); ignored with O(validate_certs=false).
      - If not set, the environment variable E(ZSTACK_CA_PATH) is used.
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
  job_timeout:
    description:
      - How long to wait for one asynchronous ZStack job, in seconds.
    type: int
    default: 300
requirements:
  - requests
"""
