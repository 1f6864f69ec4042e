# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Written by tools/render_module_docs.py from plugins/module_utils/platforms.py; do not edit by hand.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options every platform's modules share; each platform's own are in its fragment."""

    DOCUMENTATION = r"""
options:
  validate_certs:
    description:
    - Whether to verify the TLS certificate of an C(https) URL.
    - 'If not set, the environment variable of the module''s platform is used: E(ZSTACK_VALIDATE_CERTS) (ZStack),
      E(VSD_VALIDATE_CERTS) (VSD), E(OSGVIEW_VALIDATE_CERTS) (OSG view), E(MIGRATION_VALIDATE_CERTS) (migration),
      E(OPENDCP_VALIDATE_CERTS) (OpenDCP).'
    type: bool
    default: true
  ca_path:
    description:
    - A PEM bundle of the certificate authorities to verify an C(https) URL with, instead of the system's.
    - Taken over C(REQUESTS_CA_BUNDLE) and C(CURL_CA_BUNDLE); ignored with O(validate_certs=false).
    - 'If not set, the environment variable of the module''s platform is used: E(ZSTACK_CA_PATH) (ZStack), E(VSD_CA_PATH)
      (VSD), E(OSGVIEW_CA_PATH) (OSG view), E(MIGRATION_CA_PATH) (migration), E(OPENDCP_CA_PATH) (OpenDCP).'
    type: path
  timeout:
    description:
    - Time allowed for one HTTP call, in seconds, from connecting to the last byte of the answer; a server that
      sends its answer slowly fails the call when the time is up (a read is then retried, as after any timeout).
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
